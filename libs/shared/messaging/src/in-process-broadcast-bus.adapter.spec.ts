import { describeBroadcastBusContract } from '@vgp/testing';
import { InProcessBroadcastBus } from './in-process-broadcast-bus.adapter.js';

describeBroadcastBusContract('InProcessBroadcastBus', async () => {
  const bus = new InProcessBroadcastBus();
  return { bus, cleanup: () => bus.close() };
});
