// Pages of rows on their way to a response: read the first before the response starts, and keep
// the database busy with the next page while the current one is written.

/**
 * Reads the first page now, so that a query that fails at once (a bad filter, a database that is
 * down) is answered with problem+json rather than a 200 cut short; then yields the pages with
 * one page of read-ahead: the next page's query runs while the consumer (an HTTP response, a
 * compressor) handles the current one. At most two pages are held. When the consumer stops
 * early (the client went away), the source is closed once its query in flight settles.
 *
 * @example
 * const pages = await readAhead(featurePages(db, layer, where, { pageSize: 1000 }));
 * reply.send(Readable.from(geojsonChunks(metadata, pages)));
 */
export async function readAhead<T>(pages: AsyncIterator<T>): Promise<AsyncIterable<T>> {
  const first = await pages.next();
  return (async function* () {
    let current = first;
    try {
      while (!current.done) {
        const next = pages.next();
        // A failure of the page in flight surfaces when it is awaited below, never unhandled.
        next.catch(() => undefined);
        yield current.value;
        current = await next;
      }
    } finally {
      if (!current.done) void Promise.resolve(pages.return?.(undefined)).catch(() => undefined);
    }
  })();
}
