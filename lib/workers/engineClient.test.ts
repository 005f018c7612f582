import * as Comlink from 'comlink';
import { afterEach, describe, expect, it } from 'vitest';
import { SUPERSEDED, type EngineApi, type EngineInfo } from './engineApi';
import { CRASH_RETRIES, EngineCrashed, guardedCalls, retryEngineRequest } from './engineClient';

const INFO: EngineInfo = { backend: 'wasm', threads: 1, crossOriginIsolated: false };
const never = <T>() => new Promise<T>(() => undefined);

/** An engine on the far side of a real comlink channel: `info` answers, everything else never does (a hung worker). */
function remoteEngine(): { remote: Comlink.Remote<EngineApi>; ports: MessagePort[] } {
  const api: EngineApi = {
    info: async () => INFO,
    generate: never,
    generateStream: never,
    score: never,
    diagnostics: never,
    verifyReference: async () => {
      throw new Error('no reference logits');
    },
  };
  const { port1, port2 } = new MessageChannel();
  Comlink.expose(api, port1);
  return { remote: Comlink.wrap<EngineApi>(port2), ports: [port1, port2] };
}

let open: MessagePort[] = [];
afterEach(() => {
  open.forEach((port) => port.close());
  open = [];
});

describe('guardedCalls', () => {
  it('passes answers and failures through while the worker lives', async () => {
    const { remote, ports } = remoteEngine();
    open = ports;
    const { calls } = guardedCalls(remote);
    await expect(calls.info()).resolves.toEqual(INFO);
    await expect(calls.verifyReference(['zoo-base'])).rejects.toThrow('no reference logits');
  });

  it('rejects every request still waiting when the worker crashes, with the reason', async () => {
    const { remote, ports } = remoteEngine();
    open = ports;
    const { calls, crash } = guardedCalls(remote);
    const scoring = calls.score('scores', { target: { kind: 'zoo', id: 'zoo-base' }, split: 'test', skills: ['add'] });
    const answering = calls.generate('preview', { targets: [{ kind: 'zoo', id: 'zoo-base' }], prompt: 'add: 1+1=', maxNewTokens: 4 });
    crash('Uncaught Error: boom');
    await expect(scoring).rejects.toBeInstanceOf(EngineCrashed);
    await expect(answering).rejects.toThrow('Uncaught Error: boom');
  });

  it('leaves requests that already answered alone', async () => {
    const { remote, ports } = remoteEngine();
    open = ports;
    const { calls, crash } = guardedCalls(remote);
    const info = await calls.info();
    crash('late');
    expect(info).toEqual(INFO);
  });
});

describe('retryEngineRequest', () => {
  it('retries a superseded request always, one that died with the worker a bounded number of times, and nothing else', () => {
    const crashed = new EngineCrashed('boom');
    expect(retryEngineRequest(0, crashed)).toBe(true);
    expect(retryEngineRequest(CRASH_RETRIES, crashed)).toBe(false);
    expect(retryEngineRequest(5, new Error(`stopped: ${SUPERSEDED}`))).toBe(true);
    expect(retryEngineRequest(0, new Error('the recipe is invalid'))).toBe(false);
  });
});
