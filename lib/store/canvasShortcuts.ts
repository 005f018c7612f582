/**
 * The canvas's keyboard shortcuts: which key press means which command, and when a key
 * press belongs to a text field rather than to the canvas. Delete and Backspace are
 * React Flow's own (its `deleteKeyCode`), listed here so the help shows them.
 */
export type CanvasCommand = 'undo' | 'redo' | 'duplicate' | 'fitView' | 'clearSelection' | 'showShortcuts';

export interface KeyPress {
  key: string;
  code: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

export function canvasCommandFor(press: KeyPress): CanvasCommand | null {
  const command = press.ctrlKey || press.metaKey;
  const key = press.key.toLowerCase();
  if (command && !press.altKey) {
    if (key === 'z') return press.shiftKey ? 'redo' : 'undo';
    if (key === 'y' && !press.shiftKey) return 'redo';
    if (key === 'd' && !press.shiftKey) return 'duplicate';
    return null;
  }
  if (press.altKey || command) return null;
  if (key === 'escape') return 'clearSelection';
  if (key === 'f' && !press.shiftKey) return 'fitView';
  if (press.shiftKey && press.code === 'Digit1') return 'fitView';
  if (press.key === '?') return 'showShortcuts';
  return null;
}

/** Inputs that take no typed text: a shortcut pressed while one has focus still reaches the canvas. */
const KEYLESS_INPUT_TYPES = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color', 'file', 'image']);

export interface FocusedElement {
  tagName: string;
  /** For inputs: their `type`. */
  type?: string;
  isContentEditable: boolean;
}

/** Whether the key press goes to a field being typed in (its own undo, its own Escape), not to the canvas. */
export function isTextEntry(element: FocusedElement | null): boolean {
  if (!element) return false;
  if (element.isContentEditable) return true;
  const tag = element.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  return tag === 'INPUT' && !KEYLESS_INPUT_TYPES.has((element.type ?? 'text').toLowerCase());
}

export interface ShortcutHelp {
  keys: string[];
  action: string;
}

export const CANVAS_SHORTCUTS: readonly ShortcutHelp[] = [
  { keys: ['Ctrl/⌘ + Z'], action: 'Undo' },
  { keys: ['Ctrl/⌘ + Shift + Z', 'Ctrl/⌘ + Y'], action: 'Redo' },
  { keys: ['Ctrl/⌘ + D'], action: 'Duplicate the selected nodes' },
  { keys: ['Delete', 'Backspace'], action: 'Delete the selected nodes and connections' },
  { keys: ['F', 'Shift + 1'], action: 'Fit every node in view' },
  { keys: ['Escape'], action: 'Clear the selection' },
  { keys: ['Arrow keys'], action: 'Move the focused, selected node' },
  { keys: ['?'], action: 'Show these shortcuts' },
];
