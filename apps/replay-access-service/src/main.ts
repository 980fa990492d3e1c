import { ReplayAccessModule } from '@vgp/replay-access';
import { bootstrapService } from '@vgp/runtime';

bootstrapService('replay-access', (adapters) => ReplayAccessModule.forRoot(adapters), { objectStore: true });
