import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { CatalogueTool } from '../types.js';

/** What one upstream server lists, all pages read. */
export interface ServerListing {
  tools: Tool[];
  prompts: Prompt[];
  resources: Resource[];
  templates: ResourceTemplate[];
}

export type ListingPart = keyof ServerListing;

export const EMPTY_LISTING: ServerListing = { tools: [], prompts: [], resources: [], templates: [] };

export interface CatalogueEntry {
  entry: CatalogueTool;
  /** The upstream's tool with its catalogue name: what tools/list sends. */
  tool: Tool;
}

export interface PromptEntry {
  server: string;
  upstreamName: string;
  prompt: Prompt;
}

/** Past this many pages a listing is cut: an upstream answering cursors forever must not hang Keel. */
const MAX_PAGES = 100;

/** Reads every page of one list method. */
export async function listAll(
  client: Client,
  part: ListingPart,
  opts: { timeout: number },
): Promise<ServerListing[ListingPart]> {
  const out: unknown[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const params = cursor ? { cursor } : {};
    const o = { timeout: opts.timeout };
    const r =
      part === 'tools'
        ? await client.listTools(params, o).then((x) => ({ items: x.tools, next: x.nextCursor }))
        : part === 'prompts'
          ? await client.listPrompts(params, o).then((x) => ({ items: x.prompts, next: x.nextCursor }))
          : part === 'resources'
            ? await client.listResources(params, o).then((x) => ({ items: x.resources, next: x.nextCursor }))
            : await client
                .listResourceTemplates(params, o)
                .then((x) => ({ items: x.resourceTemplates, next: x.nextCursor }));
    out.push(...r.items);
    if (!r.next) break;
    cursor = r.next;
  }
  return out as ServerListing[ListingPart];
}

export const SEPARATOR = '__';

/**
 * The merged catalogue of every configured server, rebuilt whenever one server's listing changes
 * (at connect and on list_changed). Lookups on the call path are single Map reads.
 */
export class Catalogue {
  private readonly listings = new Map<string, ServerListing>();
  private toolIndex = new Map<string, CatalogueEntry>();
  private toolList: CatalogueEntry[] = [];
  private promptIndex = new Map<string, PromptEntry>();
  private resourceIndex = new Map<string, string>();
  private templateIndex: { server: string; template: UriTemplate }[] = [];

  /** Servers in configuration order: the catalogue lists them in that order. */
  constructor(private readonly order: readonly string[]) {}

  set(server: string, part: ListingPart, items: ServerListing[ListingPart]): void {
    const current = this.listings.get(server) ?? { ...EMPTY_LISTING };
    this.listings.set(server, { ...current, [part]: items });
    this.rebuild();
  }

  /** A server that went away lists nothing until it is back. */
  clear(server: string): void {
    this.listings.delete(server);
    this.rebuild();
  }

  tool(name: string): CatalogueEntry | undefined {
    return this.toolIndex.get(name);
  }

  tools(): readonly CatalogueEntry[] {
    return this.toolList;
  }

  toolCount(server: string): number {
    return this.listings.get(server)?.tools.length ?? 0;
  }

  prompt(name: string): PromptEntry | undefined {
    return this.promptIndex.get(name);
  }

  prompts(): PromptEntry[] {
    return [...this.promptIndex.values()];
  }

  resources(): { server: string; resource: Resource }[] {
    return this.each((s, l) => l.resources.map((resource) => ({ server: s, resource })));
  }

  templates(): { server: string; template: ResourceTemplate }[] {
    return this.each((s, l) => l.templates.map((template) => ({ server: s, template })));
  }

  /**
   * Which server a URI belongs to: the one that listed it, else the one whose template matches it,
   * else the only server that lists resources at all.
   */
  resourceServer(uri: string): string | undefined {
    const exact = this.resourceIndex.get(uri);
    if (exact) return exact;
    for (const t of this.templateIndex) if (t.template.match(uri)) return t.server;
    const withResources = this.order.filter((s) => {
      const l = this.listings.get(s);
      return l && (l.resources.length > 0 || l.templates.length > 0);
    });
    return withResources.length === 1 ? withResources[0] : undefined;
  }

  private each<T>(fn: (server: string, l: ServerListing) => T[]): T[] {
    const out: T[] = [];
    for (const s of this.order) {
      const l = this.listings.get(s);
      if (l) out.push(...fn(s, l));
    }
    return out;
  }

  private rebuild(): void {
    const tools = new Map<string, CatalogueEntry>();
    const prompts = new Map<string, PromptEntry>();
    const resources = new Map<string, string>();
    const templates: { server: string; template: UriTemplate }[] = [];
    for (const server of this.order) {
      const l = this.listings.get(server);
      if (!l) continue;
      for (const t of l.tools) {
        const name = `${server}${SEPARATOR}${t.name}`;
        tools.set(name, { entry: { name, server, upstreamName: t.name }, tool: { ...t, name } });
      }
      for (const p of l.prompts) {
        const name = `${server}${SEPARATOR}${p.name}`;
        prompts.set(name, { server, upstreamName: p.name, prompt: { ...p, name } });
      }
      // The first server to list a URI owns it; a later duplicate is not reachable.
      for (const r of l.resources) if (!resources.has(r.uri)) resources.set(r.uri, server);
      for (const t of l.templates) {
        try {
          templates.push({ server, template: new UriTemplate(t.uriTemplate) });
        } catch {
          // An unparsable template routes nothing; its resources are still reachable by exact URI.
        }
      }
    }
    this.toolIndex = tools;
    this.toolList = [...tools.values()];
    this.promptIndex = prompts;
    this.resourceIndex = resources;
    this.templateIndex = templates;
  }
}
