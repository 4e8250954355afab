import { describe, expect, it } from 'vitest';
import { cardFilesBlock, fileLines } from '../../src/desk/files.ts';
import type { FileView } from '../../src/http/file-views.ts';

const file = (over: Partial<FileView>): FileView => ({
  id: 'sms.MM1.0',
  name: 'invoice.pdf',
  contentType: 'application/pdf',
  size: 2048,
  link: 'https://support.example.test/files/sms.MM1.0?exp=1&sig=abc',
  notStoredReason: null,
  ...over,
});

describe('desk files', () => {
  describe('when a file was kept and PUBLIC_URL is set', () => {
    it('links it, the link escaped as Slack wants', () => {
      expect(fileLines([file({})])).toEqual([
        ':paperclip: <https://support.example.test/files/sms.MM1.0?exp=1&amp;sig=abc|invoice.pdf> (application/pdf, 2 KB)',
      ]);
    });
  });

  describe('when the customer chose a hostile file name', () => {
    it('cannot close the link text, disguise the link or ping anyone', () => {
      const [line] = fileLines([file({ name: 'a|<https://evil.test|Bank> <!channel>.pdf' })]);
      expect(line).toContain('<https://support.example.test/files/');
      expect(line).not.toContain('<https://evil');
      expect(line).not.toContain('<!channel>');
      expect(line!.split('|')).toHaveLength(2);
    });
  });

  describe('when a file was not kept', () => {
    it('says why, with no link', () => {
      const block = cardFilesBlock([
        file({ name: 'big.pdf', link: null, notStoredReason: 'too-large', size: 9_000_000 }),
      ]);
      expect(JSON.stringify(block)).toContain(
        'big.pdf (application/pdf, 8.6 MB): not kept, too-large',
      );
    });
  });
});
