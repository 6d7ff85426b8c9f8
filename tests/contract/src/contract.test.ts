import { afterAll, describe, it } from 'vitest';
import { stdioDriver } from './drivers/stdio-driver.js';
import { streamableHttpDriver } from './drivers/streamable-http-driver.js';
import { websocketDriver } from './drivers/websocket-driver.js';
import { POLICY_CASES } from './policy-cases.js';
import { createTargetPool } from './policy-target.js';
import type { TransportDriver } from './transport-driver.js';

/**
 * The transport contract: every row of the policy table against every transport in every era.
 * A new transport adds its driver here; it passes the whole table or it is not done.
 */
const DRIVERS: readonly TransportDriver[] = [
  streamableHttpDriver('2026-07-28', 'stateless'),
  streamableHttpDriver('2025-06-18', 'stateless'),
  streamableHttpDriver('2025-06-18', 'sessions'),
  websocketDriver('2026-07-28'),
  websocketDriver('2025-06-18'),
  stdioDriver('2026-07-28'),
  stdioDriver('2025-06-18'),
];

const targets = createTargetPool();
afterAll(() => targets.close());

for (const row of POLICY_CASES) {
  // Rows use identities of their own, so the transports run each row side by side.
  describe.concurrent(`${row.id} ${row.title}`, () => {
    for (const driver of DRIVERS) {
      const applies = row.appliesTo(driver);
      if (row.todo) it.todo(`${driver.name}: ${row.todo}`);
      else if (applies !== true) it.skip(`${driver.name}: not applicable (${applies})`);
      else
        it(driver.name, async () => {
          await row.run(driver, await targets.get(row.policy, driver.serverArgs));
        });
    }
  });
}
