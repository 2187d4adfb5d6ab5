/**
 * A generic HTTP gateway, described either in a JSON file (`http://?config=/etc/otpgate/gateway.json`, see
 * HttpGatewayFile) or inline: `http://?url=<gateway URL>&method=POST&body=<template>&header.Authorization=...
 * &success_status=200|202&success_contains=OK&success_path=status&success_equals=0&ref_path=id&from=...&timeout_ms=...`
 * (every value percent-encoded, commas included: SMS_PROVIDERS is a comma-separated list of provider URLs).
 * Receipts inline: `receipt_statuses=1:delivered|2:undelivered|16:failed&receipt_query=status%3D%25d
 * &receipt_ref=..&receipt_status=..&receipt_error=..&receipt_token=..&receipt_token_header=..&unsigned_receipts=accept`.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '../http-transport.js';
import { splitProviderUrl, type ProviderUrlParams } from '../provider-url.js';
import { isValidJsonPath } from './json-path.js';
import { unknownPlaceholder, type TemplateEscaping } from './template.js';
import {
  TEMPLATE_PLACEHOLDERS,
  type HttpGatewayFile,
  type HttpGatewayReceiptsFile,
  type HttpGatewayStatusMap,
  type HttpGatewaySuccessTest,
} from './wire.js';

/** Delivery receipts, resolved: see HttpGatewayReceiptsFile. */
export interface HttpGatewayReceipts {
  /** The templates hand the gateway {receiptUrl}: receipts come back to it, signed by otpgate. */
  callback: boolean;
  callbackQuery: string | undefined;
  refField: string;
  statusField: string;
  errorField: string | undefined;
  statuses: HttpGatewayStatusMap;
  token: string | undefined;
  tokenHeader: string;
  acceptUnsigned: boolean;
}

export interface HttpGatewayConfig {
  method: 'GET' | 'POST' | 'PUT';
  /** URL template. */
  url: string;
  /** Sent as given; includes the content type when there is a body. */
  headers: Record<string, string>;
  bodyTemplate?: string;
  /** How placeholders are escaped in the body, from the content type. */
  bodyEscaping: Exclude<TemplateEscaping, 'url'>;
  success: HttpGatewaySuccessTest;
  refPath?: string;
  from?: string;
  timeoutMs: number;
  receipts?: HttpGatewayReceipts;
}

const METHODS = ['GET', 'POST', 'PUT'] as const;
const FILE_KEYS = [
  'method',
  'url',
  'headers',
  'bodyTemplate',
  'success',
  'refPath',
  'from',
  'timeoutMs',
  'receipts',
];
const RECEIPT_KEYS = [
  'callbackQuery',
  'refField',
  'statusField',
  'statuses',
  'errorField',
  'token',
  'tokenHeader',
  'unsigned',
];
const RECEIPT_STATUSES = ['sent', 'delivered', 'undelivered', 'failed'];
const SUCCESS_KEYS = ['status', 'bodyContains', 'jsonPath', 'equals'];
const INLINE_PARAMETERS = [
  'url',
  'method',
  'body',
  'success_status',
  'success_contains',
  'success_path',
  'success_equals',
  'ref_path',
  'from',
  'timeout_ms',
  'receipt_query',
  'receipt_ref',
  'receipt_status',
  'receipt_statuses',
  'receipt_error',
  'receipt_token',
  'receipt_token_header',
  'unsigned_receipts',
];
const HEADER_PREFIX = 'header.';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKeys(record: Record<string, unknown>, known: string[], where: string): void {
  for (const key of Object.keys(record)) {
    if (!known.includes(key))
      throw new Error(`${where}: unknown field '${key}' (known: ${known.join(', ')})`);
  }
}

function optionalString(record: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = record[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new Error(`${where}: '${key}' must be a non-empty string`);
  }
  return value;
}

function checkTemplate(template: string, key: string, where: string): void {
  const unknown = unknownPlaceholder(template);
  if (unknown !== undefined) {
    throw new Error(
      `${where}: '${key}' has unknown placeholder {${unknown}} (known: ${TEMPLATE_PLACEHOLDERS.join(', ')})`,
    );
  }
}

function isStatusList(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((status) => Number.isInteger(status) && status >= 100 && status <= 599)
  );
}

function readSuccessTest(value: unknown, where: string): HttpGatewaySuccessTest {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new Error(`${where}: 'success' must be an object`);
  onlyKeys(value, SUCCESS_KEYS, `${where} 'success'`);
  const { status, equals } = value;
  if (status !== undefined && !isStatusList(status)) {
    throw new Error(`${where}: 'success.status' must be a list of HTTP status codes`);
  }
  const jsonPath = optionalString(value, 'jsonPath', `${where} success`);
  if (jsonPath !== undefined && !isValidJsonPath(jsonPath)) {
    throw new Error(`${where}: 'success.jsonPath' is empty`);
  }
  if (equals !== undefined && typeof equals !== 'string' && typeof equals !== 'number') {
    throw new Error(`${where}: 'success.equals' must be a string or a number`);
  }
  if (equals !== undefined && jsonPath === undefined) {
    throw new Error(`${where}: 'success.equals' needs 'jsonPath'`);
  }
  const bodyContains = optionalString(value, 'bodyContains', `${where} success`);
  return {
    ...(status === undefined ? {} : { status }),
    ...(bodyContains === undefined ? {} : { bodyContains }),
    ...(jsonPath === undefined ? {} : { jsonPath }),
    ...(equals === undefined ? {} : { equals }),
  };
}

function readHeaders(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new Error(`${where}: 'headers' must map header names to strings`);
  const headers: Record<string, string> = {};
  for (const [name, header] of Object.entries(value)) {
    if (typeof header !== 'string') throw new Error(`${where}: header '${name}' must be a string`);
    headers[name] = header;
  }
  return headers;
}

function readStatuses(value: unknown, where: string): HttpGatewayStatusMap {
  if (!isRecord(value) || Object.keys(value).length === 0) {
    throw new Error(`${where}: 'receipts.statuses' must map the gateway's status values to ours`);
  }
  for (const [given, ours] of Object.entries(value)) {
    if (typeof ours !== 'string' || !RECEIPT_STATUSES.includes(ours)) {
      throw new Error(
        `${where}: 'receipts.statuses' maps "${given}" to something other than ${RECEIPT_STATUSES.join(', ')}`,
      );
    }
  }
  return value as HttpGatewayStatusMap;
}

/** Receipts come back to {receiptUrl} (signed by us), or to the webhook with a token or, if allowed, without. */
function readReceipts(value: unknown, callback: boolean, where: string): HttpGatewayReceipts | undefined {
  if (value === undefined) {
    if (callback) throw new Error(`${where}: {receiptUrl} is used, but 'receipts' is missing`);
    return undefined;
  }
  if (!isRecord(value)) throw new Error(`${where}: 'receipts' must be an object`);
  onlyKeys(value, RECEIPT_KEYS, `${where} 'receipts'`);
  const at = `${where} receipts`;
  const token = optionalString(value, 'token', at);
  const unsigned = value.unsigned;
  if (unsigned !== undefined && unsigned !== 'accept') {
    throw new Error(`${where}: 'receipts.unsigned' can only be "accept"`);
  }
  if (unsigned !== undefined && token !== undefined) {
    throw new Error(`${where}: give 'receipts.token' or 'receipts.unsigned', not both`);
  }
  if (!callback && token === undefined && unsigned === undefined) {
    throw new Error(
      `${where}: receipts posted by the gateway need 'receipts.token' (a shared secret) or 'receipts.unsigned: "accept"' (they could be forged)`,
    );
  }
  const callbackQuery = optionalString(value, 'callbackQuery', at);
  if (callbackQuery !== undefined && !callback) {
    throw new Error(`${where}: 'receipts.callbackQuery' needs {receiptUrl} in 'url' or 'bodyTemplate'`);
  }
  return {
    callback,
    callbackQuery: callbackQuery?.replace(/^[?&]/, ''),
    refField: optionalString(value, 'refField', at) ?? 'ref',
    statusField: optionalString(value, 'statusField', at) ?? 'status',
    errorField: optionalString(value, 'errorField', at),
    statuses: readStatuses(value.statuses, where),
    token,
    tokenHeader: optionalString(value, 'tokenHeader', at) ?? 'authorization',
    acceptUnsigned: unsigned === 'accept',
  };
}

function isMethod(value: string): value is HttpGatewayConfig['method'] {
  return (METHODS as readonly string[]).includes(value);
}

function escapingFor(contentType: string | undefined): HttpGatewayConfig['bodyEscaping'] {
  if (contentType === undefined) return 'none';
  if (/json/i.test(contentType)) return 'json';
  if (/x-www-form-urlencoded/i.test(contentType)) return 'form';
  return 'none';
}

/** Checks a gateway description (parsed file or inline parameters) and resolves its defaults. */
export function readHttpGatewayDescription(value: unknown, where: string): HttpGatewayConfig {
  if (!isRecord(value)) throw new Error(`${where}: must be a JSON object`);
  onlyKeys(value, FILE_KEYS, where);

  const url = optionalString(value, 'url', where);
  if (url === undefined) throw new Error(`${where}: 'url' is required`);
  checkTemplate(url, 'url', where);
  if (!/^https?:\/\/[^/?#]+/i.test(url)) throw new Error(`${where}: 'url' must be an http or https URL`);

  const bodyTemplate = optionalString(value, 'bodyTemplate', where);
  if (bodyTemplate !== undefined) checkTemplate(bodyTemplate, 'bodyTemplate', where);
  const method = (optionalString(value, 'method', where) ?? (bodyTemplate ? 'POST' : 'GET')).toUpperCase();
  if (!isMethod(method)) throw new Error(`${where}: 'method' must be GET, POST or PUT`);
  if (method === 'GET' && bodyTemplate !== undefined) {
    throw new Error(`${where}: a GET request cannot have 'bodyTemplate'`);
  }

  const headers = readHeaders(value.headers, where);
  const contentTypeName = Object.keys(headers).find((name) => name.toLowerCase() === 'content-type');
  if (bodyTemplate !== undefined && contentTypeName === undefined) {
    // A body that looks like JSON is sent as JSON; anything else as a form, the two formats gateways take.
    headers['content-type'] = /^\s*[[{]/.test(bodyTemplate)
      ? 'application/json'
      : 'application/x-www-form-urlencoded';
  }
  const contentType = headers[contentTypeName ?? 'content-type'];

  const timeoutMs = value.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new Error(`${where}: 'timeoutMs' must be a positive whole number`);
  }
  const refPath = optionalString(value, 'refPath', where);
  if (refPath !== undefined && !isValidJsonPath(refPath)) throw new Error(`${where}: 'refPath' is empty`);
  const callback = [url, bodyTemplate ?? ''].some((template) => template.includes('{receiptUrl}'));
  const receipts = readReceipts(value.receipts, callback, where);

  return {
    method,
    url,
    headers,
    bodyTemplate,
    bodyEscaping: escapingFor(contentType),
    success: readSuccessTest(value.success, where),
    refPath,
    from: optionalString(value, 'from', where),
    timeoutMs,
    ...(receipts === undefined ? {} : { receipts }),
  };
}

/** `1:delivered|2:undelivered` -> { "1": "delivered", "2": "undelivered" }. */
function inlineStatuses(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split('|').map((pair) => {
      const colon = pair.lastIndexOf(':');
      return [pair.slice(0, colon), pair.slice(colon + 1)];
    }),
  );
}

function inlineReceipts(params: ProviderUrlParams): HttpGatewayReceiptsFile | undefined {
  const statuses = params.optional('receipt_statuses');
  const fields = {
    callbackQuery: params.optional('receipt_query'),
    refField: params.optional('receipt_ref'),
    statusField: params.optional('receipt_status'),
    errorField: params.optional('receipt_error'),
    token: params.optional('receipt_token'),
    tokenHeader: params.optional('receipt_token_header'),
    unsigned: params.optional('unsigned_receipts'),
  };
  const given = Object.entries(fields).filter(([, field]) => field !== undefined);
  if (statuses === undefined && given.length === 0) return undefined;
  // Without receipt_statuses the description is refused with the reason, rather than receipts ignored.
  return {
    ...Object.fromEntries(given),
    ...(statuses === undefined ? {} : { statuses: inlineStatuses(statuses) }),
  } as HttpGatewayReceiptsFile;
}

function inlineDescription(params: ProviderUrlParams): HttpGatewayFile {
  params.onlyKnown(INLINE_PARAMETERS, (name) => name.startsWith(HEADER_PREFIX));
  const headers = Object.fromEntries(
    params
      .names()
      .filter((name) => name.startsWith(HEADER_PREFIX))
      .map((name) => [name.slice(HEADER_PREFIX.length), params.required(name)]),
  );
  const status = params.optional('success_status');
  const timeout = params.optional('timeout_ms');
  const receipts = inlineReceipts(params);
  const success: HttpGatewaySuccessTest = {
    ...(status === undefined ? {} : { status: status.split(/[|,\s]+/).map(Number) }),
    ...(params.optional('success_contains') === undefined
      ? {}
      : { bodyContains: params.required('success_contains') }),
    ...(params.optional('success_path') === undefined ? {} : { jsonPath: params.required('success_path') }),
    ...(params.optional('success_equals') === undefined ? {} : { equals: params.required('success_equals') }),
  };
  return {
    url: params.required('url'),
    ...(params.optional('method') === undefined ? {} : { method: params.required('method') }),
    ...(Object.keys(headers).length === 0 ? {} : { headers }),
    ...(params.optional('body') === undefined ? {} : { bodyTemplate: params.required('body') }),
    ...(Object.keys(success).length === 0 ? {} : { success }),
    ...(params.optional('ref_path') === undefined ? {} : { refPath: params.required('ref_path') }),
    ...(params.optional('from') === undefined ? {} : { from: params.required('from') }),
    ...(timeout === undefined
      ? {}
      : { timeoutMs: params.positiveInteger('timeout_ms', DEFAULT_PROVIDER_TIMEOUT_MS) }),
    ...(receipts === undefined ? {} : { receipts }),
  };
}

function fileDescription(path: string, readFile: (path: string) => string): unknown {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(
      `http gateway config ${path}: cannot be read${typeof code === 'string' ? ` (${code})` : ''}`,
      { cause: error },
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new Error(`http gateway config ${path}: not valid JSON`, { cause: error });
  }
}

export function parseHttpGatewayUrl(
  url: string,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): HttpGatewayConfig {
  const parts = splitProviderUrl(url, 'http');
  if (parts.scheme !== 'http') throw new Error(`http URL: scheme must be http://, not ${parts.scheme}://`);
  if (parts.host !== '' || (parts.path !== '' && parts.path !== '/') || parts.username !== '') {
    throw new Error(
      "http URL: give the gateway's address as url= (or in the config file), not before the '?'",
    );
  }
  const configPath = parts.params.optional('config');
  if (configPath === undefined)
    return readHttpGatewayDescription(inlineDescription(parts.params), 'http URL');
  parts.params.onlyKnown(['config']);
  return readHttpGatewayDescription(
    fileDescription(configPath, readFile),
    `http gateway config ${configPath}`,
  );
}
