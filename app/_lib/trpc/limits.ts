/** Calls per batched request: the client's batch link splits there, and the server refuses more (400). */
export const MAX_BATCH_SIZE = 20;
