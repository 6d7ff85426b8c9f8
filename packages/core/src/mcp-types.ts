/**
 * The MCP protocol types that appear in Portcullis's public API. They come from the SDK in
 * one place, so a move to another SDK line changes this file and the server factory only.
 */
export type {
  CallToolResult,
  ClientCapabilities,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  GetPromptResult,
  InputRequest,
  InputRequests,
  InputRequiredResult,
  JSONRPCMessage,
  LoggingLevel,
  ReadResourceResult,
  ServerNotification,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
