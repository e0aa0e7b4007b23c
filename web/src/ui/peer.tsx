/**
 * A personal chat's other member as its keys are bound to it (Messenger.pairPeer): the subject of the certificate
 * the pair binding used — not the name and phone the server lists — and the safety code two people compare
 * (docs/WEB.md "Trust" says what the code proves in the page).
 */
import { Fragment } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { PairPeer } from "../../../src/client/pair-peer.ts";
import { safetyCodeLines } from "../../../src/client/safety-code.ts";
import type { MessengerStore } from "../chat/store.ts";
import { describeError } from "../errors.ts";
import { t } from "../i18n/index.ts";
import { ErrorLine } from "./error-line.tsx";
import { peerRows } from "./peer-rows.ts";

export function PeerPanel({ store, chatId }: { store: MessengerStore; chatId: string }) {
  const [peer, setPeer] = useState<PairPeer>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let current = true;
    store.messenger.pairPeer(chatId).then(
      (found) => current && setPeer(found),
      (failure: unknown) => current && setError(describeError(failure)),
    );
    return () => {
      current = false;
    };
  }, [store, chatId]);
  return (
    <aside class="members peer" aria-label={t.peer.title}>
      <header class="row">
        <h3>{t.peer.title}</h3>
        <button type="button" class="link" onClick={() => store.hidePeer()}>
          {t.peer.close}
        </button>
      </header>
      <ErrorLine message={error} />
      {!peer && !error && <p class="hint">{t.peer.loading}</p>}
      {peer && !peer.bound && <p class="hint">{t.peer.unbound[peer.reason]}</p>}
      {peer?.bound && (
        <>
          <p>{t.peer.lead}</p>
          <dl>
            {peerRows(peer).map(([label, value]) => (
              <Fragment key={label}>
                <dt>{label}</dt>
                <dd>{value}</dd>
              </Fragment>
            ))}
          </dl>
          <h4>{t.peer.codeTitle}</h4>
          <p class="safety-code" data-code={peer.safetyCode}>
            {safetyCodeLines(peer.safetyCode).join("\n")}
          </p>
          <p class="hint">{t.peer.codeHint}</p>
          {!peer.anchored && <p class="hint">{t.peer.serverTrusted}</p>}
        </>
      )}
    </aside>
  );
}
