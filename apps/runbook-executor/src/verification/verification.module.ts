import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { AlertStatesPruner } from './alert-states-pruner';
import { VerificationConsumer } from './verification.consumer';
import { VerificationRepository } from './verification.repository';
import { VerificationService } from './verification.service';

/**
 * Whether a succeeded automatic run helped: alert states from the mapper (and their prune), verification windows and
 * their sweep.
 */
@Module({
  imports: [LifecycleModule],
  providers: [VerificationRepository, VerificationService, VerificationConsumer, AlertStatesPruner],
  exports: [VerificationService, AlertStatesPruner],
})
export class VerificationModule {}
