import { BookingModule } from '@vgp/booking';
import { bootstrapService } from '@vgp/runtime';

// Booking keeps no media: no object store.
bootstrapService('booking', (adapters) => BookingModule.forRoot(adapters), { objectStore: false });
