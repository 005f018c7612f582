import { describe, expect, it } from 'vitest';
import { canvasCommandFor, isTextEntry, type KeyPress } from './canvasShortcuts';

function press(key: string, modifiers: Partial<Omit<KeyPress, 'key'>> = {}): KeyPress {
  return { key, code: '', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...modifiers };
}

describe('canvas shortcuts', () => {
  it('maps Ctrl and Cmd combinations', () => {
    for (const mod of [{ ctrlKey: true }, { metaKey: true }]) {
      expect(canvasCommandFor(press('z', mod))).toBe('undo');
      expect(canvasCommandFor(press('Z', { ...mod, shiftKey: true }))).toBe('redo');
      expect(canvasCommandFor(press('y', mod))).toBe('redo');
      expect(canvasCommandFor(press('d', mod))).toBe('duplicate');
      expect(canvasCommandFor(press('c', mod))).toBeNull();
      expect(canvasCommandFor(press('z', { ...mod, altKey: true }))).toBeNull();
    }
  });

  it('maps plain keys', () => {
    expect(canvasCommandFor(press('f'))).toBe('fitView');
    expect(canvasCommandFor(press('!', { shiftKey: true, code: 'Digit1' }))).toBe('fitView');
    expect(canvasCommandFor(press('Escape'))).toBe('clearSelection');
    expect(canvasCommandFor(press('?', { shiftKey: true, code: 'Slash' }))).toBe('showShortcuts');
    expect(canvasCommandFor(press('z'))).toBeNull();
    expect(canvasCommandFor(press('d'))).toBeNull();
    expect(canvasCommandFor(press('f', { ctrlKey: true }))).toBeNull();
    expect(canvasCommandFor(press('1', { code: 'Digit1' }))).toBeNull();
  });

  it('leaves key presses to fields people type in', () => {
    const el = (tagName: string, type?: string, isContentEditable = false) => ({ tagName, type, isContentEditable });
    expect(isTextEntry(el('INPUT'))).toBe(true);
    expect(isTextEntry(el('INPUT', 'number'))).toBe(true);
    expect(isTextEntry(el('INPUT', 'search'))).toBe(true);
    expect(isTextEntry(el('TEXTAREA'))).toBe(true);
    expect(isTextEntry(el('SELECT'))).toBe(true);
    expect(isTextEntry(el('DIV', undefined, true))).toBe(true);
    expect(isTextEntry(el('INPUT', 'range'))).toBe(false);
    expect(isTextEntry(el('INPUT', 'checkbox'))).toBe(false);
    expect(isTextEntry(el('BUTTON'))).toBe(false);
    expect(isTextEntry(el('DIV'))).toBe(false);
    expect(isTextEntry(null)).toBe(false);
  });
});
