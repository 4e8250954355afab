import { Schema, type Connection, type Model, type Types } from 'mongoose';

// Dispatch's own collection, registered on the pool's connection (pool.models.Ticket.db).

/**
 * One SLA warning or breach, `_id` = `<ticket>.<kind>.<stage>.<due epoch>`: the unique _id makes
 * "stored once" hold when two workers fire the same timer, without a transaction. `notified` is set
 * after the notifier answered, so a crash in between notifies again (with the same key) on retry.
 */
export interface SlaEventDoc {
  _id: string;
  ticketId: Types.ObjectId;
  kind: 'firstResponse' | 'nextResponse' | 'resolution';
  stage: 'warning' | 'breach';
  dueAt: Date;
  at: Date;
  assigneeId?: Types.ObjectId | undefined;
  notified: boolean;
}

const slaEventSchema = new Schema<SlaEventDoc>(
  {
    _id: String,
    ticketId: { type: Schema.Types.ObjectId, required: true },
    kind: { type: String, required: true },
    stage: { type: String, required: true },
    dueAt: { type: Date, required: true },
    at: { type: Date, required: true },
    assigneeId: { type: Schema.Types.ObjectId },
    notified: { type: Boolean, default: false },
  },
  { versionKey: false },
);
slaEventSchema.index({ ticketId: 1 });

export interface DispatchModels {
  SlaEvent: Model<SlaEventDoc>;
}

export function registerDispatchModels(connection: Connection): DispatchModels {
  return {
    SlaEvent:
      (connection.models['SlaEvent'] as Model<SlaEventDoc> | undefined) ??
      connection.model<SlaEventDoc>('SlaEvent', slaEventSchema, 'sla_events'),
  };
}
