/**
 * Issue 19: capabilities declare what a channel carries out, limits included. Files within the
 * channel's limits stay attachments, in the agent's order; the rest go as links with a sentence
 * saying why, and a channel that carries no file sends every one as a link.
 */
import { describe, expect, it } from 'vitest';
import type { OutboundAttachment, OutboundMessage } from '../../src/domain/message.ts';
import type { ChannelCapabilities } from '../../src/domain/ports.ts';
import {
  carriedFiles,
  FILES_AS_LINKS_NOTE,
  FILES_BEYOND_LIMITS_NOTE,
  withFileLinks,
} from '../../src/pipeline/outbound.ts';

const MB = 1024 * 1024;

function file(name: string, size: number, contentType = 'image/png'): OutboundAttachment {
  return { fileId: `f-${name}`, name, contentType, size, url: `https://x.test/files/${name}` };
}

function caps(attachments: ChannelCapabilities['attachments']): ChannelCapabilities {
  return { threads: false, attachments, maxTextLength: 1600, format: 'plain', canEdit: false };
}

const mms = caps({
  inbound: true,
  outbound: true,
  outboundLimits: { maxFiles: 2, maxTotalBytes: 5 * MB, types: ['image/png', 'application/pdf'] },
});

function message(files: OutboundAttachment[]): OutboundMessage {
  return {
    messageId: 'm1',
    ticketId: 't1',
    channel: 'sms',
    threadKey: 'sms.x',
    to: { kind: 'phone', value: '+14155550100' },
    author: { kind: 'agent', name: 'Sam' },
    text: 'Here you are.',
    attachments: files,
    channelData: {},
  };
}

describe('carriedFiles', () => {
  it('keeps files in order while they fit the count, the total and the types', () => {
    const files = [
      file('a.png', 3 * MB),
      file('b.png', 3 * MB), // would make 6 MB
      file('c.txt', 1, 'text/plain'), // not a type the channel takes
      file('d.pdf', 1 * MB, 'application/pdf'),
      file('e.png', 1), // a third file
    ];
    const { carried, linked } = carriedFiles(files, mms);
    expect(carried.map((f) => f.name)).toEqual(['a.png', 'd.pdf']);
    expect(linked.map((f) => f.name)).toEqual(['b.png', 'c.txt', 'e.png']);
  });

  it('matches types case-insensitively and carries all without limits', () => {
    expect(carriedFiles([file('A.PDF', 1, 'Application/PDF')], mms).carried).toHaveLength(1);
    const open = caps({ inbound: true, outbound: true });
    expect(carriedFiles([file('x', 100 * MB)], open)).toEqual({
      carried: [file('x', 100 * MB)],
      linked: [],
    });
  });
});

describe('withFileLinks', () => {
  it('links what the channel cannot carry and says why, keeping the rest attached', () => {
    const out = withFileLinks(message([file('a.png', 1), file('c.txt', 1, 'text/plain')]), mms);
    expect(out.attachments?.map((f) => f.name)).toEqual(['a.png']);
    expect(out.text).toBe(
      `Here you are.\n\n${FILES_BEYOND_LIMITS_NOTE}\n- c.txt: https://x.test/files/c.txt`,
    );
  });

  it('sends every file as a link where the channel carries none', () => {
    const out = withFileLinks(
      message([file('a.png', 1)]),
      caps({ inbound: true, outbound: false }),
    );
    expect(out.attachments).toBeUndefined();
    expect(out.text).toContain(FILES_AS_LINKS_NOTE);
    expect(out.text).toContain('- a.png: https://x.test/files/a.png');
  });

  it('leaves a message whose files all fit unchanged', () => {
    const original = message([file('a.png', 1)]);
    expect(withFileLinks(original, mms)).toBe(original);
  });
});
