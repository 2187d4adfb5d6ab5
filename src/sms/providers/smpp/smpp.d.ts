/**
 * The part of the untyped `smpp` package (0.5.x, CommonJS) that otpgate uses: sessions, servers and PDUs.
 * PDU fields are dynamic (named as in the SMPP specification), so they are read as `unknown` and narrowed
 * by the caller; see pdu-fields.ts.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';
  import type { ConnectionOptions, TlsOptions } from 'node:tls';

  /** Parameter values as the package accepts them: numbers, strings, Buffers, `{udh, message}` objects. */
  export type PduFields = Record<string, unknown>;

  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    isResponse(): boolean;
    /** The matching *_resp PDU (or generic_nack for an unknown command) with the same sequence number. */
    response(fields?: PduFields): Pdu;
    /** The PDU's wire bytes. */
    toBuffer(): Buffer;
    [field: string]: unknown;
  }

  export type ResponseCallback = (pdu: Pdu) => void;

  export interface Session extends EventEmitter {
    readonly socket: Socket;
    /** False (and no callback ever) when the socket is no longer writable. */
    send(pdu: Pdu, onResponse?: ResponseCallback, onSent?: ResponseCallback): boolean;
    bind_transceiver(fields: PduFields, onResponse?: ResponseCallback): boolean;
    submit_sm(fields: PduFields, onResponse?: ResponseCallback): boolean;
    deliver_sm(fields: PduFields, onResponse?: ResponseCallback): boolean;
    enquire_link(fields: PduFields, onResponse?: ResponseCallback): boolean;
    unbind(fields: PduFields, onResponse?: ResponseCallback): boolean;
    pause(): void;
    resume(): void;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
  }

  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  export interface ConnectOptions extends ConnectionOptions {
    host: string;
    port: number;
    tls?: boolean;
  }

  interface SmppModule {
    connect(options: ConnectOptions, onConnect?: () => void): Session;
    createServer(options: Partial<TlsOptions>, onSession?: (session: Session) => void): Server;
    /** A PDU to send, or one decoded from its wire bytes. */
    PDU: new (command: string | Buffer, fields?: PduFields) => Pdu;
    /** command_status names (ESME_ROK, ESME_RTHROTTLED, ...) to their values. */
    errors: Record<string, number>;
  }

  const smpp: SmppModule;
  export default smpp;
}
