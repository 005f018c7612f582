'use client';

import { useQuery } from '@tanstack/react-query';
import { parseLlamaConfig } from '@/lib/formats/hfConfig';
import { parseEvalIndex } from '@/lib/eval/evalSet';
import { EVAL_INDEX_URL, ZOO_INDEX_URL, modelFileUrl, zooIndexSchema } from '@/lib/zoo/zooIndex';

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
  return response.json();
}

export function useZooIndex() {
  return useQuery({ queryKey: ['zoo-index'], queryFn: async () => zooIndexSchema.parse(await fetchJson(ZOO_INDEX_URL)) });
}

export function useEvalIndex() {
  return useQuery({ queryKey: ['eval-index'], queryFn: async () => parseEvalIndex(await fetchJson(EVAL_INDEX_URL)) });
}

export function useModelConfig(modelId: string | null) {
  return useQuery({
    queryKey: ['model-config', modelId],
    enabled: modelId !== null,
    queryFn: async () => parseLlamaConfig(await fetchJson(modelFileUrl(modelId ?? '', 'config.json'))),
  });
}
