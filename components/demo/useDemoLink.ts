'use client';

import { useEffect, useState } from 'react';
import { mergeMethodNames } from '@/lib/merge/registry';
import type { Recipe } from '@/lib/recipe/schema';
import { SHARE_HASH_KEY, decodeSharePayload, shareTokenFromHash } from '@/lib/recipe/urlCodec';

export type DemoLink =
  | { kind: 'none' }
  | { kind: 'damaged'; message: string }
  | {
      kind: 'recipe';
      recipe: Recipe;
      /** `#r=…` alone (other hash keys dropped): the same link on / opens the studio. */
      hash: string;
    };

/**
 * What a demo URL's hash holds. The decoder never throws; its message is what a damaged
 * link shows. With `zooIds`, a recipe naming a model that is not in the zoo is damaged too.
 */
export function demoLinkFromHash(hash: string, zooIds?: readonly string[]): DemoLink {
  const token = shareTokenFromHash(hash);
  if (token === undefined) return { kind: 'none' };
  const decoded = decodeSharePayload(token, { methods: mergeMethodNames(), ...(zooIds ? { zooIds } : {}) });
  if (!decoded.ok) return { kind: 'damaged', message: decoded.error.message };
  return { kind: 'recipe', recipe: decoded.payload.recipe, hash: `#${SHARE_HASH_KEY}=${token}` };
}

/** The location hash, following later changes (a pasted link, back and forward). Browser only. */
export function useLocationHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}
