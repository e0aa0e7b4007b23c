// The parts of socket.io-client 2 (Engine.IO v3, the deployed Android client's generation) the tests use.
declare module "socket.io-client-v2" {
  namespace connect {
    interface LegacySocket {
      id: string;
      connected: boolean;
      io: { engine: { transport: { name: string }; once(event: "upgrade", listener: () => void): void } };
      on(event: string, listener: (...args: unknown[]) => void): LegacySocket;
      once(event: string, listener: (...args: unknown[]) => void): LegacySocket;
      off(event: string, listener?: (...args: unknown[]) => void): LegacySocket;
      emit(event: string, ...args: unknown[]): LegacySocket;
      close(): LegacySocket;
    }
  }
  function connect(
    url: string,
    options?: {
      path?: string;
      transports?: string[];
      forceNew?: boolean;
      reconnection?: boolean;
      reconnectionDelay?: number;
      reconnectionDelayMax?: number;
      query?: Record<string, string>;
      /** An http.Agent for polling and websocket requests (e.g. one with a localAddress). */
      agent?: unknown;
    },
  ): connect.LegacySocket;
  export = connect;
}
