/**
 * A V8 CPU profile of a contender's steady state only: started and stopped over IPC around one
 * measurement, so that start-up, module loading, the negative controls and the forged-token
 * flood do not dilute it (as a whole-process `--cpu-prof` does).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
let connected = false;

/** Answers `{ type: 'profile', action: 'start' | 'stop', file? }` requests from the parent. */
export function answerProfileRequests(): void {
  process.on(
    'message',
    async (message: { type?: string; action?: string; file?: string; seq?: number }) => {
      if (message?.type !== 'profile') return;
      if (!connected) {
        session.connect();
        connected = true;
        await session.post('Profiler.enable');
      }
      if (message.action === 'start') await session.post('Profiler.start');
      else {
        const { profile } = await session.post('Profiler.stop');
        if (message.file) writeFileSync(message.file, JSON.stringify(profile));
      }
      process.send?.({ type: 'profile', seq: message.seq });
    },
  );
}
