/** Apply spec overlay actions (set / remove at a JSON pointer) in memory. */
import { getAt, parentOf } from './json-pointer.js';

export interface OverlayAction {
  target: string;
  set?: unknown;
  remove?: true;
  reason: string;
}

export interface OverlayNote {
  file: string;
  target: string;
  applied: boolean;
  message: string;
}

export function applyOverlay(doc: unknown, actions: readonly OverlayAction[], file: string): OverlayNote[] {
  return actions.map((action) => {
    const place = parentOf(doc, action.target);
    if (action.remove) {
      if (!place || getAt(doc, action.target) === undefined) {
        return { file, target: action.target, applied: false, message: 'target no longer exists (fixed upstream?): delete this action' };
      }
      if (Array.isArray(place.parent)) place.parent.splice(Number(place.key), 1);
      else delete place.parent[place.key];
      return { file, target: action.target, applied: true, message: action.reason };
    }
    if (!place) {
      return { file, target: action.target, applied: false, message: 'parent of target no longer exists (fixed upstream?): delete this action' };
    }
    (place.parent as Record<string, unknown>)[place.key] = structuredClone(action.set);
    return { file, target: action.target, applied: true, message: action.reason };
  });
}
