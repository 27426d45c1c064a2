import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { type Catalogue, type ListingPart, listAll } from './catalogue.js';
import type { ListChanged } from './upstream.js';

/** The parts a server's capabilities say it lists. */
function partsOf(client: Client): ListingPart[] {
  const caps = client.getServerCapabilities() ?? {};
  const parts: ListingPart[] = [];
  if (caps.tools) parts.push('tools');
  if (caps.prompts) parts.push('prompts');
  if (caps.resources) parts.push('resources', 'templates');
  return parts;
}

/** Read everything a freshly connected server lists into the catalogue. */
export async function loadListing(
  client: Client,
  server: string,
  catalogue: Catalogue,
  timeout: number,
): Promise<void> {
  const parts = partsOf(client);
  const listed = await Promise.all(parts.map((p) => listAll(client, p, { timeout })));
  parts.forEach((p, i) => {
    catalogue.set(server, p, listed[i] ?? []);
  });
}

/** Re-list on the server's list_changed notifications and tell the sessions. */
export function watchListing(
  client: Client,
  server: string,
  catalogue: Catalogue,
  timeout: number,
  onChanged: ListChanged,
  onError: (err: unknown) => void,
): void {
  const refresh = (parts: ListingPart[]) => async () => {
    try {
      for (const p of parts) {
        catalogue.set(server, p, await listAll(client, p, { timeout }));
        onChanged(server, p);
      }
    } catch (err) {
      onError(err);
    }
  };
  client.setNotificationHandler(ToolListChangedNotificationSchema, refresh(['tools']));
  client.setNotificationHandler(PromptListChangedNotificationSchema, refresh(['prompts']));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, refresh(['resources', 'templates']));
}
