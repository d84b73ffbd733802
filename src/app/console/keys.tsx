export function KeysPage() {
  return <p class="muted">Keys: coming next.</p>;
}
