// Waiting for a state rather than for a time: a loaded machine only makes it come later. The test's
// own timeout bounds the wait.

/** Resolves once check() holds, looking every 5 ms. */
export async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}
