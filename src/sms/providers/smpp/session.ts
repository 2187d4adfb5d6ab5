/**
 * One persistent bind_transceiver: connect, bind, keep alive with enquire_link, and re-bind with capped
 * exponential backoff whenever the link drops or a bind fails. Requests are only sent while bound.
 */
import { isIP } from 'node:net';
import smpp, { type Pdu, type PduFields, type Session } from 'smpp';
import { SmsError } from '../../provider.js';
import { describeSmppAccount, type SmppConfig } from './config.js';
import { ESME_ROK, ESME_RX_T_APPN, smsErrorOfStatus, statusName } from './errors.js';
import { delay } from './flow.js';

/** The pino methods we use: structured fields first, then the message. */
export interface SmppLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

/** SMPP 3.4 §5.2.4: we speak version 3.4 (the package would announce 5.0). */
const INTERFACE_VERSION_34 = 0x34;
/** How long close() gives outstanding submits and the unbind handshake before cutting the socket. */
const CLOSE_GRACE_MS = 2_000;

type SessionState = 'connecting' | 'bound' | 'backing_off' | 'closed';

interface PendingRequest {
  settled: Promise<unknown>;
  fail(error: SmsError): void;
}

interface BindWaiter {
  resolve(): void;
  reject(error: SmsError): void;
}

export class SmppSession {
  private state: SessionState = 'backing_off';
  private client: Session | undefined;
  private failedAttempts = 0;
  private lastBindError: SmsError | undefined;
  /** Why the last attempt to connect or bind failed, for the error a waiting send gets. */
  private lastFailure: string | undefined;
  private bindTimer: NodeJS.Timeout | undefined;
  private rebindTimer: NodeJS.Timeout | undefined;
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<PendingRequest>();
  private readonly bindWaiters = new Set<BindWaiter>();

  constructor(
    private readonly config: SmppConfig,
    private readonly logger: SmppLogger,
    /**
     * Called for every deliver_sm and data_sm; the session answers each once it settles: ESME_ROK, or
     * ESME_RX_T_APPN when it failed (the SMSC delivers it again later).
     */
    private readonly onSmscMessage: (pdu: Pdu) => void | Promise<void>,
  ) {}

  start(): void {
    if (this.state === 'backing_off' && this.client === undefined) this.connect();
  }

  get isBound(): boolean {
    return this.state === 'bound';
  }

  /** Resolves once bound; fails 'unavailable' after waitMs, or at once with the bind's own error when it is final. */
  whenBound(waitMs: number): Promise<void> {
    if (this.state === 'bound') return Promise.resolve();
    if (this.state === 'closed')
      return Promise.reject(new SmsError('unavailable', 'SMPP provider is closed'));
    if (this.lastBindError?.code === 'invalid_config') return Promise.reject(this.lastBindError);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.bindWaiters.delete(waiter);
        const cause = this.lastBindError;
        const why = this.lastFailure === undefined ? '' : ` (last failure: ${this.lastFailure})`;
        reject(
          new SmsError('unavailable', `SMPP not bound after ${waitMs} ms${why}`, {
            providerCode: cause?.providerCode,
            cause,
          }),
        );
      }, waitMs);
      const waiter: BindWaiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.bindWaiters.add(waiter);
    });
  }

  /**
   * Sends a request PDU on the bound link; rejects 'unavailable' on timeout or when the link drops first.
   * onResponse runs synchronously as the response is read, before any later PDU from the SMSC.
   */
  request(
    command: string,
    fields: PduFields,
    timeoutMs: number,
    onResponse?: (response: Pdu) => void,
  ): Promise<Pdu> {
    const client = this.client;
    if (this.state !== 'bound' || client === undefined) {
      return Promise.reject(new SmsError('unavailable', `SMPP not bound; ${command} not sent`));
    }
    return this.sendRequest(client, command, fields, timeoutMs, onResponse);
  }

  /** Drops the link (the SMSC no longer considers us bound) so the usual backoff re-binds it. */
  reconnect(reason: string): void {
    const client = this.client;
    if (client === undefined || this.state === 'closed') return;
    this.logger.warn({ account: describeSmppAccount(this.config), reason }, 'SMPP reconnecting');
    client.destroy();
  }

  /** Unbinds gracefully (after outstanding requests, briefly) and stops every timer. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasBound = this.state === 'bound';
    this.state = 'closed';
    this.clearTimers();
    const closed = new SmsError('unavailable', 'SMPP provider is closed');
    for (const waiter of this.bindWaiters) waiter.reject(closed);
    this.bindWaiters.clear();
    const client = this.client;
    if (client === undefined) return;
    if (wasBound) {
      await Promise.race([
        Promise.allSettled([...this.pending].map((p) => p.settled)),
        delay(CLOSE_GRACE_MS),
      ]);
      await this.sendRequest(client, 'unbind', {}, CLOSE_GRACE_MS).catch(() => undefined);
    }
    await new Promise<void>((resolve) => {
      if (client.socket.destroyed) return resolve();
      const cutoff = setTimeout(() => client.destroy(), CLOSE_GRACE_MS);
      client.socket.once('close', () => {
        clearTimeout(cutoff);
        resolve();
      });
      if (wasBound) client.close();
      else client.destroy();
    });
  }

  private connect(): void {
    this.state = 'connecting';
    const { host, port, tls, tlsInsecure } = this.config;
    const client = smpp.connect(
      {
        host,
        port,
        tls,
        rejectUnauthorized: !tlsInsecure,
        // SNI must be a host name; RFC 6066 §3 forbids IP literals there.
        ...(tls && isIP(host) === 0 ? { servername: host } : {}),
      },
      () => this.bind(client),
    );
    this.client = client;
    // Parts and windowed submits are small back-to-back writes; Nagle would hold each behind the last ACK.
    client.socket.setNoDelay(true);
    this.bindTimer = setTimeout(() => {
      this.lastFailure = 'connect/bind timed out';
      this.logger.warn({ account: describeSmppAccount(this.config) }, 'SMPP connect/bind timed out');
      client.destroy();
    }, this.config.submitTimeoutMs);

    client.on('error', (error: Error) => {
      this.lastFailure = error.message;
      this.logger.warn(
        { account: describeSmppAccount(this.config), err: error.message },
        'SMPP connection error',
      );
      // The package stops reading after a PDU parse error; only a fresh connection recovers.
      client.destroy();
    });
    client.on('close', () => this.onConnectionLost(client));
    client.on('deliver_sm', (pdu: Pdu) => void this.answerSmscMessage(client, pdu));
    // SMPP 3.4 §4.7: some SMSCs send receipts as data_sm, which needs its own data_sm_resp.
    client.on('data_sm', (pdu: Pdu) => void this.answerSmscMessage(client, pdu));
    client.on('enquire_link', (pdu: Pdu) => client.send(pdu.response()));
    client.on('unbind', (pdu: Pdu) => {
      this.logger.warn({ account: describeSmppAccount(this.config) }, 'SMSC unbound us; re-binding');
      client.send(pdu.response(), () => client.close());
    });
    client.on('unknown', (pdu: Pdu) => client.send(pdu.response()));
  }

  private bind(client: Session): void {
    const fields: PduFields = {
      system_id: this.config.systemId,
      password: this.config.password,
      system_type: this.config.systemType,
      interface_version: INTERFACE_VERSION_34,
    };
    this.sendRequest(client, 'bind_transceiver', fields, this.config.submitTimeoutMs).then(
      (response) => this.onBindResponse(client, response),
      () => client.destroy(),
    );
  }

  private onBindResponse(client: Session, response: Pdu): void {
    if (client !== this.client || this.state !== 'connecting') return;
    clearTimeout(this.bindTimer);
    const account = describeSmppAccount(this.config);
    if (response.command_status !== ESME_ROK) {
      const error = smsErrorOfStatus(response.command_status, 'bind_transceiver');
      this.lastBindError = error;
      this.lastFailure = error.message;
      this.logger.error({ account, status: statusName(response.command_status) }, 'SMPP bind refused');
      if (error.code === 'invalid_config') {
        for (const waiter of this.bindWaiters) waiter.reject(error);
        this.bindWaiters.clear();
      }
      client.destroy();
      return;
    }
    this.state = 'bound';
    this.failedAttempts = 0;
    this.lastBindError = undefined;
    this.lastFailure = undefined;
    this.logger.info({ account }, 'SMPP bound');
    for (const waiter of this.bindWaiters) waiter.resolve();
    this.bindWaiters.clear();
    this.keepaliveTimer = setInterval(() => this.sendKeepalive(client), this.config.enquireLinkMs);
  }

  private sendKeepalive(client: Session): void {
    const timeoutMs = Math.min(this.config.enquireLinkMs, this.config.submitTimeoutMs);
    this.sendRequest(client, 'enquire_link', {}, timeoutMs).catch(() => {
      if (client !== this.client || this.state !== 'bound') return;
      this.logger.warn(
        { account: describeSmppAccount(this.config) },
        'enquire_link unanswered; reconnecting',
      );
      client.destroy();
    });
  }

  private async answerSmscMessage(client: Session, pdu: Pdu): Promise<void> {
    let status = ESME_ROK;
    try {
      await this.onSmscMessage(pdu);
    } catch (error) {
      // Not recorded: a temporary error makes the SMSC keep it and deliver it again, so it is not lost.
      status = ESME_RX_T_APPN;
      this.logger.error(
        { err: String(error), command: pdu.command },
        'handling a message from the SMSC failed; asked the SMSC to deliver it again',
      );
    }
    // SMPP 3.4 §4.6.2: an unanswered deliver_sm is redelivered and can stall the SMSC's window to us.
    try {
      client.send(pdu.response(status === ESME_ROK ? undefined : { command_status: status }));
    } catch (error) {
      this.logger.debug({ err: String(error), command: pdu.command }, 'answer not sent: the link is gone');
    }
  }

  private onConnectionLost(client: Session): void {
    if (client !== this.client) return;
    this.client = undefined;
    const wasBound = this.state === 'bound';
    this.clearTimers();
    const dropped = new SmsError('unavailable', 'SMPP connection dropped before the response');
    for (const request of this.pending) request.fail(dropped);
    this.pending.clear();
    if (this.state === 'closed') return;
    this.state = 'backing_off';
    const waitMs = this.backoffMs(this.failedAttempts++);
    this.logger.warn(
      { account: describeSmppAccount(this.config), wasBound, retryInMs: Math.round(waitMs) },
      'SMPP link down',
    );
    this.rebindTimer = setTimeout(() => this.connect(), waitMs);
  }

  /** Doubling from rebindMinMs up to rebindMaxMs, with jitter so a fleet does not reconnect in step. */
  private backoffMs(attempt: number): number {
    const ceiling = Math.min(this.config.rebindMaxMs, this.config.rebindMinMs * 2 ** Math.min(attempt, 30));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private sendRequest(
    client: Session,
    command: string,
    fields: PduFields,
    timeoutMs: number,
    onResponse?: (response: Pdu) => void,
  ): Promise<Pdu> {
    let request: PendingRequest | undefined;
    const settled = new Promise<Pdu>((resolve, reject) => {
      const timer = setTimeout(() => {
        if (request) this.pending.delete(request);
        reject(new SmsError('unavailable', `SMPP ${command} got no response in ${timeoutMs} ms`));
      }, timeoutMs);
      request = {
        settled: Promise.resolve(),
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const sent = client.send(new smpp.PDU(command, fields), (response) => {
        if (!request || !this.pending.delete(request)) return;
        clearTimeout(timer);
        onResponse?.(response);
        resolve(response);
      });
      if (sent) {
        this.pending.add(request);
      } else {
        clearTimeout(timer);
        reject(new SmsError('unavailable', `SMPP connection not writable; ${command} not sent`));
      }
    });
    if (request) request.settled = settled.catch(() => undefined);
    return settled;
  }

  private clearTimers(): void {
    clearTimeout(this.bindTimer);
    clearTimeout(this.rebindTimer);
    clearInterval(this.keepaliveTimer);
    this.bindTimer = this.rebindTimer = this.keepaliveTimer = undefined;
  }
}
