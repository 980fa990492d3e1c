import { AuditModule } from '@vgp/audit';
import { bootstrapService } from '@vgp/runtime';

// The audit records who saw what, never the media: no object store.
bootstrapService('audit', (adapters) => AuditModule.forRoot(adapters), { objectStore: false });
