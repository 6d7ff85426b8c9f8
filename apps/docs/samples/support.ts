// What the fragments on the pages take as given, declared here so that they type-check.
import type { Client } from '@modelcontextprotocol/client';
import type { ToolDefinition } from '@portcullis/core';

/** A connected SDK client. */
export declare const client: Client;
/** The server's tools. */
export declare const tools: ToolDefinition[];
/** The ids of the notes a resource template completes. */
export declare const noteIds: string[];
/** Reads one note. */
export declare function loadNote(id: string): Promise<string>;
