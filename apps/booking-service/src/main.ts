import { BookingModule } from '@vgp/booking';
import { bootstrapService } from '@vgp/runtime';

bootstrapService('booking', (adapters) => BookingModule.forRoot(adapters));
