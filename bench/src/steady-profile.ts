/**
 * A V8 CPU profile of a contender's steady state only, and optionally a sampling heap profile
 * (where the allocations that keep the garbage collector busy come from): started and stopped
 * over IPC around one measurement, so that start-up, module loading, the negative controls and
 * the forged-token flood do not dilute them (as a whole-process `--cpu-prof` does).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

const session = new Session();
let connected = false;

/** Answers `{ type: 'profile', action: 'start' | 'stop', file? }` requests from the parent. */
export function answerProfileRequests(): void {
  process.on(
    'message',
    async (message: {
      type?: string;
      action?: string;
      file?: string;
      heapFile?: string;
      seq?: number;
    }) => {
      if (message?.type !== 'profile') return;
      if (!connected) {
        session.connect();
        connected = true;
        await session.post('Profiler.enable');
        await session.post('HeapProfiler.enable');
      }
      if (message.action === 'start') {
        // Every allocated object is kept in the sample (not only those still alive at the end).
        if (message.heapFile)
          await session.post('HeapProfiler.startSampling', {
            samplingInterval: 16_384,
            includeObjectsCollectedByMajorGC: true,
            includeObjectsCollectedByMinorGC: true,
          });
        await session.post('Profiler.start');
      } else {
        const { profile } = await session.post('Profiler.stop');
        if (message.file) writeFileSync(message.file, JSON.stringify(profile));
        if (message.heapFile) {
          const { profile: heap } = await session.post('HeapProfiler.stopSampling');
          writeFileSync(message.heapFile, JSON.stringify(heap));
        }
      }
      process.send?.({ type: 'profile', seq: message.seq });
    },
  );
}
