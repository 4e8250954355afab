import type { Server } from 'node:http';

/** Closes a test HTTP server at once, keep-alive connections included. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
