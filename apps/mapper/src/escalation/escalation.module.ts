import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { EscalationPoller } from './escalation.poller';

@Module({ imports: [LifecycleModule], providers: [EscalationPoller] })
export class EscalationModule {}
