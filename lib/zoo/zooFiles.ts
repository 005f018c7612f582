/** Where the studio reads the zoo from, by site path (`/models/…`, `/evals/…`): `fetch` in the browser, the file system in Node. */
export interface ZooFiles {
  bytes(path: string): Promise<Uint8Array>;
  text(path: string): Promise<string>;
}

async function fetchOk(path: string): Promise<Response> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: ${response.status} ${response.statusText}`);
  return response;
}

/** The zoo as the site serves it (workers and pages). */
export const fetchZooFiles: ZooFiles = {
  bytes: async (path) => new Uint8Array(await (await fetchOk(path)).arrayBuffer()),
  text: async (path) => (await fetchOk(path)).text(),
};
