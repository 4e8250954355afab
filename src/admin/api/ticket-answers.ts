/**
 * What an agent writes on a ticket from the console: the answer to the customer (on their channel
 * or another), the files uploaded for it, and internal notes. Mounted by ticketsRouter.
 */
import { randomUUID } from 'node:crypto';
import express, { type RequestHandler } from 'express';
import { z } from 'zod';
import {
  ALLOWED_FILE_TYPES,
  baseType,
  isAllowedType,
  matchesType,
  SNIFF_BYTES,
} from '../../../channels/files/sniff.ts';
import { CHANNEL_IDS } from '../../domain/message.ts';
import { SwitchboardError } from '../../domain/errors.ts';
import { attachmentsOn } from '../../http/file-views.ts';
import { recordAudit } from '../../pool/audit.ts';
import { addNote, MAX_NOTE_CHARS } from '../../pool/notes.ts';
import { principalOf } from '../auth.ts';
import type { AdminDeps } from '../deps.ts';
import { Note, StoredTicket } from '../openapi/schemas.ts';
import { json, type AdminOperation, type TicketsApiOperation } from '../routes.ts';
import { replyFromConsole } from '../ticket-work.ts';
import { ObjectIdParams, pathParams } from './params.ts';

const TicketParams = ObjectIdParams;

/** How many files one answer may carry. */
export const MAX_REPLY_FILES = 10;

/**
 * `POST /tickets/:id/reply`: an answer to the customer, on their own channel or on another one
 * `replyChannels` of `GET /tickets/:id` lists (e.g. `email` to an API-channel customer).
 */
export const ReplySchema = z
  .object({
    text: z.string().trim().min(1).max(20_000),
    channel: z.enum(CHANNEL_IDS).optional(),
    /** Files uploaded for this ticket (`POST /tickets/:id/files`), sent with the answer. */
    files: z.array(z.string().min(1).max(600)).max(MAX_REPLY_FILES).optional(),
  })
  .strict();

/** `POST /tickets/:id/files?name=…`: the body is the file's bytes, `Content-Type` its type. */
export const UploadQuery = z.object({
  name: z.string().trim().min(1).max(255).meta({
    description: 'The file name the customer sees.',
    example: 'invoice-2031.pdf',
  }),
});

/** An uploaded file, as `POST /tickets/:id/files` answers it. */
const UploadedFile = z.object({
  id: z.string().meta({ description: 'Name it in `files` of `POST /tickets/:id/reply`.' }),
  name: z.string(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});

/** `POST /tickets/:id/notes`: an internal note, never sent to the customer. */
export const NoteSchema = z.object({ text: z.string().trim().min(1).max(MAX_NOTE_CHARS) }).strict();

/** The answers API of the console's tickets, in the document's order. */
const ANSWERS = {
  reply: {
    method: 'post',
    path: '/tickets/:id/reply',
    tag: 'tickets',
    summary: 'Answer the customer',
    description:
      "Sent on the customer's own channel. Only the assignee answers; a reply on a waiting ticket takes it first; otherwise 409 (write a note instead).",
    permission: 'tickets.write',
    params: TicketParams,
    body: ReplySchema,
    response: json(
      z.object({ messageId: z.string(), ticket: StoredTicket }),
      'The message, queued for delivery.',
      202,
    ),
    also: [409],
  },
  upload: {
    method: 'post',
    path: '/tickets/:id/files',
    tag: 'tickets',
    summary: 'Upload a file for an answer',
    description:
      "The body is the file's bytes and `Content-Type` its type: PDF, PNG, JPEG, GIF, WebP or plain text, checked against the first bytes (415 otherwise); at most `ADMIN_UPLOAD_MAX_BYTES` (413). Stored once, for this ticket only; name its id in `files` of the answer.",
    permission: 'tickets.write',
    params: TicketParams,
    query: UploadQuery,
    response: json(z.object({ file: UploadedFile }), 'The stored file.', 201),
  },
  notes: {
    method: 'post',
    path: '/tickets/:id/notes',
    tag: 'tickets',
    summary: 'Add an internal note',
    description:
      'Stored on the ticket, never sent to the customer, and posted into the Slack card thread.',
    permission: 'tickets.write',
    params: TicketParams,
    body: NoteSchema,
    response: json(
      z.object({ note: Note.omit({ source: true, notSentBecause: true }) }),
      'The note.',
      201,
    ),
  },
} satisfies Record<string, AdminOperation>;

/** The operations of this module, after the tickets API's own in the OpenAPI document. */
export const TICKET_ANSWER_OPERATIONS: readonly AdminOperation[] = Object.values(ANSWERS);

/** Mounts the answer, upload and note routes with `route` (routes() over the tickets router). */
export function ticketAnswerRoutes(
  route: (op: AdminOperation | TicketsApiOperation, ...handlers: RequestHandler[]) => void,
  deps: AdminDeps,
): void {
  route(ANSWERS.reply, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = ReplySchema.parse(req.body);
    const sent = await replyFromConsole(deps, String(id), principalOf(res), body.text, {
      ...(body.channel ? { channel: body.channel } : {}),
      ...(body.files ? { files: body.files } : {}),
    });
    res.status(202).json(sent);
  });

  // The bytes as they come, up to the cap (413 past it); JSON bodies were parsed before.
  const rawFile = express.raw({ limit: deps.config.ADMIN_UPLOAD_MAX_BYTES, type: () => true });
  route(ANSWERS.upload, rawFile, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const { name } = UploadQuery.parse(req.query);
    const ticket = await deps.pool.getTicket(String(id));
    if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const content: unknown = req.body;
    if (!Buffer.isBuffer(content) || content.length === 0)
      throw new SwitchboardError('SB_ERR_VALIDATION', 'the body must be the file, not empty');
    const type = baseType(req.get('content-type') ?? '');
    if (!isAllowedType(type) || !matchesType(type, content.subarray(0, SNIFF_BYTES)))
      throw new SwitchboardError(
        'SB_ERR_UNSUPPORTED_MEDIA_TYPE',
        `a ${type || 'file without a type'} whose bytes match it is needed: one of ${ALLOWED_FILE_TYPES.join(', ')}`,
      );
    const attachments = await attachmentsOn(deps.models.Ticket.db);
    const meta = await attachments.saveUpload(String(id), { name, contentType: type, content });
    const { id: fileId, contentType, size, sha256 } = meta;
    res.status(201).json({ file: { id: fileId, name: meta.name, contentType, size, sha256 } });
  });

  route(ANSWERS.notes, async (req, res) => {
    const { id } = pathParams(TicketParams, req.params, 'ticket');
    const body = NoteSchema.parse(req.body);
    const principal = principalOf(res);
    const ticket = await deps.pool.getTicket(String(id));
    if (!ticket) throw new SwitchboardError('SB_ERR_NOT_FOUND', 'no such ticket');
    const { note } = await addNote(deps.models.TicketNote, {
      _id: `console.${randomUUID()}`,
      ticketId: id,
      authorId: principal.agentId ?? principal.actor,
      authorName: principal.name,
      source: 'console',
      text: body.text,
    });
    await recordAudit(deps.models, {
      actor: principal.actor,
      action: 'ticket.noted',
      subject: `ticket:${String(id)}`,
      after: { noteId: note._id },
    });
    await deps.activity?.changed({
      kind: 'note',
      ticketId: String(id),
      noteId: note._id,
      by: principal.name,
      at: new Date(),
    });
    res.status(201).json({
      note: {
        id: note._id,
        at: note.createdAt ?? null,
        authorName: note.authorName,
        text: note.text,
      },
    });
  });
}
