import { SignallingModule } from '@vgp/signalling';
import { bootstrapService } from '@vgp/runtime';

bootstrapService('signalling', (adapters) => SignallingModule.forRoot(adapters));
