/** How hard the busiest objects are called (src/durable/call-rate.ts): read and reset by an operator. */
import { objectLoad as countedLoad, resetObjectLoad as resetCounters } from "../durable/call-rate.ts";

export function objectLoad() {
  return countedLoad();
}

/** Starts the counting afresh (before a load test) and answers the zeroed counters. */
export function resetObjectLoad() {
  resetCounters();
  return countedLoad();
}
