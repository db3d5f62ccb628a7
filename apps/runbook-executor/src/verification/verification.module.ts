import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { VerificationConsumer } from './verification.consumer';
import { VerificationRepository } from './verification.repository';
import { VerificationService } from './verification.service';

/** Whether a succeeded automatic run helped: alert states from the mapper, verification windows and their sweep. */
@Module({
  imports: [LifecycleModule],
  providers: [VerificationRepository, VerificationService, VerificationConsumer],
  exports: [VerificationService],
})
export class VerificationModule {}
