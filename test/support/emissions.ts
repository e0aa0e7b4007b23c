import { EmissionOrder } from "../../src/server/realtime/emission-order.ts";

/** The publishers' shared order, for tests: an emit that throws is thrown again (an uncaught error fails the test). */
export function emissionOrder(): EmissionOrder {
  return new EmissionOrder((error) => {
    throw error;
  });
}
