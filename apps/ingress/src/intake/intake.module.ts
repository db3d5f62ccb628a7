import { Module } from '@nestjs/common';
import { AlertIntake } from './alert-intake.service';
import { JsonBodyGuard } from './json-body.guard';
import { RequestMetrics } from './request-metrics';

@Module({ providers: [AlertIntake, JsonBodyGuard, RequestMetrics], exports: [AlertIntake, JsonBodyGuard] })
export class IntakeModule {}
