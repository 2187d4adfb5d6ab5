/**
 * A real SMPP 3.4 SMSC for tests and benchmarks, on loopback, built on the smpp package's server.
 *
 *   const server = await startSmppServer({ systemId: 'otpgate', password: 'secret', receiptMode: 'text' });
 *   const provider = createSmppProvider(parseSmppUrl(server.url({ source_addr: 'OTPGATE' })));
 *   await provider.send(...);
 *   await server.waitFor(() => server.messages.length === 1, 'one message');
 *   server.messages[0].text;  // reassembled from its parts
 *   await server.close();
 *
 * What it does, like an SMSC would:
 * - checks bind_transceiver / bind_transmitter / bind_receiver credentials (ESME_RINVSYSID, ESME_RINVPASWD);
 * - answers enquire_link and unbind; answers submit_sm with an id from a counter, written in hex or decimal;
 * - records every accepted submit_sm (`submits`: text decoded by the smpp package from data_coding, esm_class,
 *   UDH) and reassembles concatenated parts and message_payload PDUs into whole messages (`messages`);
 * - sends a delivery receipt deliver_sm per accepted PDU that asked for one (registered_delivery bit 0), as
 *   TLVs, Appendix B text or both; a receipt for a client that is not bound waits for its next bind.
 * Behaviour hooks live on `server.behaviour` and can be changed while it runs: throttle the first n submits,
 * refuse binds, pick a status per submit (e.g. ESME_RINVDSTADR), stop answering submits, delay receipts or send
 * them ahead of the submit_sm_resp.
 */
import { execFileSync } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import smpp, { type Pdu, type PduFields, type Session } from 'smpp';

export type ReceiptMode = 'tlv' | 'text' | 'both' | 'none';
export type IdFormat = 'hex' | 'dec';

export interface SmppServerBehaviour {
  /** Reply ESME_RTHROTTLED to the first n submit_sm (counted in stats.throttled). */
  throttleFirst: number;
  /** Refuse every bind: true for ESME_RBINDFAIL, or the command_status to answer with. */
  failBind: boolean | number;
  /** How receipts carry their id and state; 'none' sends no receipts. */
  receiptMode: ReceiptMode;
  /** How submit_sm_resp writes message ids. */
  idFormat: IdFormat;
  /** How receipts write the id (Jasmin's dlr_msgid); defaults to idFormat. */
  receiptIdFormat: IdFormat;
  receiptDelayMs: number;
  /** Appendix B state of each part's receipt. */
  receiptState: (part: SubmittedPart) => string;
  /** A command_status to refuse a submit_sm with, or undefined to accept it. */
  submitStatus: (part: SubmittedPart) => number | undefined;
  /** False: take submit_sm and never answer (they go to `unanswered`). */
  answerSubmits: boolean;
  /** Send each receipt before the submit_sm_resp it belongs to, as some SMSCs do under load. */
  receiptBeforeResponse: boolean;
}

export interface SmppServerOptions extends Partial<SmppServerBehaviour> {
  /** 0 (default) picks a free port. */
  port?: number;
  systemId: string;
  password: string;
  /** Serve SMPP over TLS with this key and certificate (see selfSignedCertificate). */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /** The first message id handed out; 0x1A2B (6699) shows hex and decimal differently. */
  firstMessageId?: number;
}

export interface ConcatenationInfo {
  ref: number;
  total: number;
  seq: number;
}

export interface SubmittedPart {
  /** As written in submit_sm_resp ('' until accepted). */
  messageId: string;
  systemId: string;
  source: string;
  sourceTon: number;
  sourceNpi: number;
  destination: string;
  destTon: number;
  destNpi: number;
  dataCoding: number;
  esmClass: number;
  registeredDelivery: number;
  udh: ConcatenationInfo | undefined;
  /** This PDU's text, decoded by the smpp package according to data_coding (0: GSM 03.38, 8: UCS-2). */
  text: string;
  viaPayload: boolean;
}

export interface ReceivedMessage {
  text: string;
  /** submit_sm PDUs that carried it. */
  parts: number;
  source: string;
  destination: string;
  dataCoding: number;
  messageIds: string[];
  submits: SubmittedPart[];
}

export interface BindAttempt {
  command: string;
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
  status: number;
}

export interface ReceiptRequest {
  /** The id exactly as the receipt should write it. */
  receiptId: string;
  state?: string;
  mode?: Exclude<ReceiptMode, 'none'>;
  /** The system_id whose bound session gets it; default the server's. */
  systemId?: string;
  /** Some SMSCs send receipts as data_sm (text then goes in message_payload). Default deliver_sm. */
  command?: 'deliver_sm' | 'data_sm';
}

export interface SmppServerStats {
  binds: number;
  throttled: number;
  refused: number;
  enquireLinks: number;
  /** unbind requests from clients (a graceful close). */
  unbinds: number;
  receiptsSent: number;
  /** deliver_sm_resp received for our receipts. */
  receiptResponses: number;
  /** deliver_sm_resp with a non-zero status. */
  receiptErrors: number;
}

export interface TestSmppServer {
  readonly port: number;
  readonly host: string;
  behaviour: SmppServerBehaviour;
  readonly binds: BindAttempt[];
  readonly submits: SubmittedPart[];
  readonly unanswered: SubmittedPart[];
  readonly messages: ReceivedMessage[];
  readonly stats: SmppServerStats;
  /** An smpp:// (or smpps://, with tls_insecure=1) URL for this server and account, plus query parameters. */
  url(params?: Record<string, string | number>, account?: { systemId?: string; password?: string }): string;
  /** Sends one receipt deliver_sm and resolves with the client's deliver_sm_resp status. */
  sendReceipt(request: ReceiptRequest): Promise<number>;
  /** Resolves as soon as check() holds (re-checked on every server event); rejects after timeoutMs. */
  waitFor(check: () => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Answers every submit_sm held while answerSubmits was false, as accepted, late. */
  answerHeld(): void;
  /** Cuts every client connection at once, without unbind. */
  dropConnections(): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
const ESM_CLASS_RECEIPT = 0x04;
const ESM_CLASS_UDHI = 0x40;
const MESSAGE_STATE: Readonly<Record<string, number>> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** A self-signed certificate for CN=localhost made by `openssl`, or undefined when openssl is not installed. */
export function selfSignedCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'otpgate-smpp-tls-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    // P-256 rather than RSA: key generation is instant even on a busy CI machine.
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'].concat([
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(keyPath, 'utf8'), cert: readFileSync(certPath, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function formatId(id: number, format: IdFormat): string {
  return format === 'hex' ? id.toString(16).toUpperCase() : String(id);
}

/** YYMMDDhhmm, as Appendix B writes receipt dates. */
function receiptDate(date: Date): string {
  return date.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d).*$/, '$1$2$3$4$5');
}

function textOf(value: unknown): string {
  const message = typeof value === 'object' && value !== null && 'message' in value ? value.message : value;
  if (typeof message === 'string') return message;
  return Buffer.isBuffer(message) ? message.toString('latin1') : '';
}

function concatenationOf(value: unknown): ConcatenationInfo | undefined {
  if (typeof value !== 'object' || value === null || !('udh' in value) || !Array.isArray(value.udh)) {
    return undefined;
  }
  for (const element of value.udh as unknown[]) {
    if (!Buffer.isBuffer(element)) continue;
    // TS 23.040 9.2.3.24.1 (IE 0x00, 8-bit reference) and 9.2.3.24.8 (IE 0x08, 16-bit reference).
    if (element[0] === 0x00 && element.length >= 5) {
      return { ref: element[2] ?? 0, total: element[3] ?? 0, seq: element[4] ?? 0 };
    }
    if (element[0] === 0x08 && element.length >= 6) {
      return { ref: element.readUInt16BE(2), total: element[4] ?? 0, seq: element[5] ?? 0 };
    }
  }
  return undefined;
}

/** A command_status by name, from the smpp package's table. */
function esme(name: string): number {
  const status = smpp.errors[name];
  if (status === undefined) throw new Error(`unknown command_status ${name}`);
  return status;
}

function str(pdu: Pdu, name: string): string {
  const value = pdu[name];
  return typeof value === 'string' ? value : '';
}

function num(pdu: Pdu, name: string): number {
  const value = pdu[name];
  return typeof value === 'number' ? value : 0;
}

export async function startSmppServer(options: SmppServerOptions): Promise<TestSmppServer> {
  const behaviour: SmppServerBehaviour = {
    throttleFirst: options.throttleFirst ?? 0,
    failBind: options.failBind ?? false,
    receiptMode: options.receiptMode ?? 'text',
    idFormat: options.idFormat ?? 'hex',
    receiptIdFormat: options.receiptIdFormat ?? options.idFormat ?? 'hex',
    receiptDelayMs: options.receiptDelayMs ?? 0,
    receiptState: options.receiptState ?? (() => 'DELIVRD'),
    submitStatus: options.submitStatus ?? (() => undefined),
    answerSubmits: options.answerSubmits ?? true,
    receiptBeforeResponse: options.receiptBeforeResponse ?? false,
  };
  const changes = new EventEmitter();
  changes.setMaxListeners(0);
  const changed = (): boolean => changes.emit('change');
  const binds: BindAttempt[] = [];
  const submits: SubmittedPart[] = [];
  const unanswered: SubmittedPart[] = [];
  /** The acceptances of held submits, for answerHeld. */
  const held: Array<() => void> = [];
  const messages: ReceivedMessage[] = [];
  const stats: SmppServerStats = {
    binds: 0,
    throttled: 0,
    refused: 0,
    enquireLinks: 0,
    unbinds: 0,
    receiptsSent: 0,
    receiptResponses: 0,
    receiptErrors: 0,
  };
  const boundSystemIdOf = new Map<Session, string>();
  const sessions = new Set<Session>();
  const numericIdOf = new Map<string, number>();
  const heldReceipts: Array<{ systemId: string; fields: PduFields }> = [];
  const timers = new Set<NodeJS.Timeout>();
  const concatenated = new Map<string, Map<number, SubmittedPart>>();
  let nextId = options.firstMessageId ?? 0x1a2b;

  function assemble(part: SubmittedPart): void {
    const whole = (pieces: SubmittedPart[]): ReceivedMessage => ({
      text: pieces.map((p) => p.text).join(''),
      parts: pieces.length,
      source: part.source,
      destination: part.destination,
      dataCoding: part.dataCoding,
      messageIds: pieces.map((p) => p.messageId),
      submits: pieces,
    });
    if (part.udh === undefined || part.udh.total <= 1) {
      messages.push(whole([part]));
      return;
    }
    const key = `${part.systemId}|${part.source}|${part.destination}|${part.udh.ref}|${part.udh.total}`;
    const pieces = concatenated.get(key) ?? new Map<number, SubmittedPart>();
    concatenated.set(key, pieces);
    pieces.set(part.udh.seq, part);
    if (pieces.size < part.udh.total) return;
    concatenated.delete(key);
    messages.push(whole([...pieces.entries()].sort(([a], [b]) => a - b).map(([, p]) => p)));
  }

  function receiptFields(
    receiptId: string,
    state: string,
    mode: Exclude<ReceiptMode, 'none'>,
    part?: SubmittedPart,
  ) {
    const now = receiptDate(new Date());
    const delivered = state === 'DELIVRD' ? '001' : '000';
    const err = state === 'DELIVRD' || state === 'ACCEPTD' || state === 'ENROUTE' ? '000' : '001';
    const excerpt = (part?.text ?? '').replace(/[^ -~]/g, '').slice(0, 20);
    const text =
      `id:${receiptId} sub:001 dlvrd:${delivered} submit date:${now} done date:${now} ` +
      `stat:${state} err:${err} text:${excerpt}`;
    const fields: PduFields = {
      source_addr: part?.destination ?? '',
      destination_addr: part?.source ?? '',
      esm_class: ESM_CLASS_RECEIPT,
      data_coding: 0,
      short_message: mode === 'tlv' ? Buffer.alloc(0) : Buffer.from(text, 'ascii'),
    };
    if (mode !== 'text') {
      fields.receipted_message_id = receiptId;
      fields.message_state = MESSAGE_STATE[state] ?? MESSAGE_STATE.UNKNOWN;
    }
    return fields;
  }

  function deliver(
    systemId: string,
    fields: PduFields,
    preferred?: Session,
    command = 'deliver_sm',
  ): Promise<number> | undefined {
    const target =
      preferred && boundSystemIdOf.get(preferred) === systemId
        ? preferred
        : [...boundSystemIdOf].find(([, id]) => id === systemId)?.[0];
    if (target === undefined) return undefined;
    return new Promise<number>((resolve) => {
      const sent = target.send(new smpp.PDU(command, fields), (response) => {
        stats.receiptResponses++;
        if (response.command_status !== 0) stats.receiptErrors++;
        changed();
        resolve(response.command_status);
      });
      if (sent) stats.receiptsSent++;
      else resolve(-1);
      changed();
    });
  }

  function scheduleReceipt(part: SubmittedPart, session: Session): void {
    if (behaviour.receiptMode === 'none' || (part.registeredDelivery & 0x01) === 0) return;
    const numeric = numericIdOf.get(part.messageId) ?? 0;
    const fields = receiptFields(
      formatId(numeric, behaviour.receiptIdFormat),
      behaviour.receiptState(part),
      behaviour.receiptMode,
      part,
    );
    const send = (): void => {
      if (deliver(part.systemId, fields, session) === undefined)
        heldReceipts.push({ systemId: part.systemId, fields });
    };
    if (behaviour.receiptBeforeResponse) return send();
    const timer = setTimeout(() => {
      timers.delete(timer);
      send();
    }, behaviour.receiptDelayMs);
    timers.add(timer);
  }

  function describeSubmit(pdu: Pdu, systemId: string): SubmittedPart {
    const payload = pdu.message_payload;
    const viaPayload = payload !== undefined && payload !== null;
    const body = viaPayload ? payload : pdu.short_message;
    return {
      messageId: '',
      systemId,
      source: str(pdu, 'source_addr'),
      sourceTon: num(pdu, 'source_addr_ton'),
      sourceNpi: num(pdu, 'source_addr_npi'),
      destination: str(pdu, 'destination_addr'),
      destTon: num(pdu, 'dest_addr_ton'),
      destNpi: num(pdu, 'dest_addr_npi'),
      dataCoding: num(pdu, 'data_coding'),
      esmClass: num(pdu, 'esm_class'),
      registeredDelivery: num(pdu, 'registered_delivery'),
      udh: (num(pdu, 'esm_class') & ESM_CLASS_UDHI) !== 0 ? concatenationOf(body) : undefined,
      text: textOf(body),
      viaPayload,
    };
  }

  function onBind(session: Session, pdu: Pdu): void {
    const attempt: BindAttempt = {
      command: pdu.command,
      systemId: str(pdu, 'system_id'),
      password: str(pdu, 'password'),
      systemType: str(pdu, 'system_type'),
      interfaceVersion: num(pdu, 'interface_version'),
      status: 0,
    };
    if (behaviour.failBind !== false) {
      attempt.status = behaviour.failBind === true ? esme('ESME_RBINDFAIL') : behaviour.failBind;
    } else if (attempt.systemId !== options.systemId) {
      attempt.status = esme('ESME_RINVSYSID');
    } else if (attempt.password !== options.password) {
      attempt.status = esme('ESME_RINVPASWD');
    }
    binds.push(attempt);
    if (attempt.status !== 0) {
      session.send(pdu.response({ command_status: attempt.status }), () => session.close());
      changed();
      return;
    }
    stats.binds++;
    boundSystemIdOf.set(session, attempt.systemId);
    session.send(pdu.response({ system_id: 'otpgate-test-smsc' }));
    changed();
    for (const held of heldReceipts.splice(0)) {
      if (deliver(held.systemId, held.fields) === undefined) heldReceipts.push(held);
    }
  }

  function onSubmit(session: Session, pdu: Pdu): void {
    const systemId = boundSystemIdOf.get(session);
    if (systemId === undefined) {
      session.send(pdu.response({ command_status: esme('ESME_RINVBNDSTS') }));
      return;
    }
    const part = describeSubmit(pdu, systemId);
    if (!behaviour.answerSubmits) {
      unanswered.push(part);
      held.push(() => accept(session, pdu, part));
      changed();
      return;
    }
    if (stats.throttled < behaviour.throttleFirst) {
      stats.throttled++;
      session.send(pdu.response({ command_status: esme('ESME_RTHROTTLED') }));
      changed();
      return;
    }
    const status = behaviour.submitStatus(part);
    if (status !== undefined && status !== 0) {
      stats.refused++;
      session.send(pdu.response({ command_status: status }));
      changed();
      return;
    }
    accept(session, pdu, part);
  }

  function accept(session: Session, pdu: Pdu, part: SubmittedPart): void {
    const numeric = nextId++;
    part.messageId = formatId(numeric, behaviour.idFormat);
    numericIdOf.set(part.messageId, numeric);
    submits.push(part);
    if (behaviour.receiptBeforeResponse) scheduleReceipt(part, session);
    session.send(pdu.response({ message_id: part.messageId }));
    assemble(part);
    if (!behaviour.receiptBeforeResponse) scheduleReceipt(part, session);
    changed();
  }

  function onSession(session: Session): void {
    sessions.add(session);
    session.socket.setNoDelay(true);
    session.on('error', () => session.destroy());
    session.on('close', () => {
      sessions.delete(session);
      boundSystemIdOf.delete(session);
      changed();
    });
    for (const command of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
      session.on(command, (pdu: Pdu) => onBind(session, pdu));
    }
    session.on('submit_sm', (pdu: Pdu) => onSubmit(session, pdu));
    session.on('enquire_link', (pdu: Pdu) => {
      stats.enquireLinks++;
      session.send(pdu.response());
      changed();
    });
    session.on('unbind', (pdu: Pdu) => {
      boundSystemIdOf.delete(session);
      stats.unbinds++;
      changed();
      session.send(pdu.response(), () => session.close());
    });
    session.on('unknown', (pdu: Pdu) => session.send(pdu.response()));
  }

  const server = smpp.createServer(
    options.tls ? { key: options.tls.key, cert: options.tls.cert } : {},
    onSession,
  );
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, HOST, resolve));
  const port = (server.address() as AddressInfo).port;

  function dropConnections(): void {
    for (const session of sessions) session.destroy();
    boundSystemIdOf.clear();
  }

  return {
    port,
    host: HOST,
    behaviour,
    binds,
    submits,
    unanswered,
    answerHeld() {
      // Answered, they are submits like any other: no longer unanswered.
      unanswered.splice(0);
      for (const answer of held.splice(0)) answer();
    },
    messages,
    stats,
    url(params = {}, account = {}) {
      const user = encodeURIComponent(account.systemId ?? options.systemId);
      const password = encodeURIComponent(account.password ?? options.password);
      const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      if (options.tls) query.set('tls_insecure', '1');
      const search = query.size > 0 ? `?${query}` : '';
      return `${options.tls ? 'smpps' : 'smpp'}://${user}:${password}@${HOST}:${port}${search}`;
    },
    sendReceipt({ receiptId, state = 'DELIVRD', mode = 'text', systemId = options.systemId, command }) {
      const fields = receiptFields(receiptId, state, mode);
      if (command === 'data_sm') {
        // data_sm has no short_message; its text travels in message_payload.
        const { short_message: text, ...rest } = fields;
        if (mode !== 'tlv') rest.message_payload = text;
        return (
          deliver(systemId, rest, undefined, command) ??
          Promise.reject(new Error(`no bound session for ${systemId}`))
        );
      }
      const delivered = deliver(systemId, fields);
      return delivered ?? Promise.reject(new Error(`no bound session for ${systemId}`));
    },
    waitFor(check, what, timeoutMs = 15_000) {
      if (check()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const onChange = (): void => {
          if (!check()) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`SMPP test server: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          changes.off('change', onChange);
        };
        changes.on('change', onChange);
      });
    },
    dropConnections,
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
