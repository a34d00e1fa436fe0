import { useAPQ } from '@graphql-yoga/plugin-apq';
import type { Plugin } from 'graphql-yoga';

// Bounds of the store: documents are kept while there is room, least recently used out first.
export const APQ_MAX_DOCUMENTS = 1000;
export const APQ_MAX_CHARS = 5_000_000;

/** An LRU of documents by hash, bounded in count and in total size, in this process's memory. */
export function boundedDocumentStore(maxDocuments = APQ_MAX_DOCUMENTS, maxChars = APQ_MAX_CHARS) {
  const docs = new Map<string, string>();
  let chars = 0;
  return {
    get(hash: string): string | undefined {
      const doc = docs.get(hash);
      if (doc !== undefined) {
        docs.delete(hash); // to the back: most recently used
        docs.set(hash, doc);
      }
      return doc;
    },
    set(hash: string, doc: string): void {
      if (doc.length > maxChars || docs.has(hash)) return;
      docs.set(hash, doc);
      chars += doc.length;
      for (const [oldest, d] of docs) {
        if (docs.size <= maxDocuments && chars <= maxChars) break;
        docs.delete(oldest);
        chars -= d.length;
      }
    },
    get size() {
      return docs.size;
    },
  };
}

/**
 * Automatic persisted queries (Apollo's PersistedQueryLink): a client sends the SHA-256 of a
 * document; an unknown hash is answered "PersistedQueryNotFound" (HTTP 404, BAD_USER_INPUT),
 * and the client sends the document once with its hash. Secrets belong in variables, which
 * are never stored.
 */
export function persistedQueries(): Plugin {
  return useAPQ({ store: boundedDocumentStore() }) as Plugin;
}
