export function RulesPage() {
  return <p class="muted">Rules: coming next.</p>;
}
