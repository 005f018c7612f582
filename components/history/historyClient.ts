'use client';

import type { HistoryBackend } from '@/lib/history/historyBackend';
import { memoryHistoryBackend } from '@/lib/history/historyBackend';
import { idbHistoryBackend } from '@/lib/history/idbHistoryBackend';

let backend: HistoryBackend | null = null;

/** The page's history store: IndexedDB, or memory where the browser offers none (private modes of some browsers). */
export function historyBackend(): HistoryBackend {
  backend ??= typeof indexedDB === 'undefined' ? memoryHistoryBackend() : idbHistoryBackend();
  return backend;
}

const SESSION_KEY = 'merge-studio-history-session';
let session: string | null = null;

/** This tab's session: kept across reloads of the tab, new in a new tab. */
export function historySession(): string {
  if (session) return session;
  try {
    session = sessionStorage.getItem(SESSION_KEY);
    if (!session) {
      session = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      sessionStorage.setItem(SESSION_KEY, session);
    }
  } catch {
    session ??= `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  }
  return session;
}

export const EXPERIMENTS_QUERY_KEY = ['experiments'] as const;
