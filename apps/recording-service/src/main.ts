import { RecordingModule } from '@vgp/recording';
import { bootstrapService } from '@vgp/runtime';

bootstrapService('recording', (adapters) => RecordingModule.forRoot(adapters), { objectStore: true });
