import { AuditModule } from '@vgp/audit';
import { bootstrapService } from '@vgp/runtime';

bootstrapService('audit', (adapters) => AuditModule.forRoot(adapters));
