import { SignallingModule } from '@vgp/signalling';
import { bootstrapService } from '@vgp/runtime';

// Signalling relays frames and keeps no media: no object store.
bootstrapService('signalling', (adapters) => SignallingModule.forRoot(adapters), { objectStore: false });
