import { describe, expect, it } from 'vitest';
import { shapeForChannel } from '../../knowledge/format.ts';

const ANSWER = [
  'Go to [your orders](https://shop.example.com/orders) and pick **Return**.',
  '',
  '- Label: printed at home',
  '- Drop-off: any post office, see https://shop.example.com/post',
  '',
  'Questions? <script>alert("x")</script>[Write to us](javascript:alert(1)).',
].join('\n');

describe('shapeForChannel', () => {
  describe('when the channel shows plain text', () => {
    it('removes the markup and keeps link targets as text', () => {
      const { text, markdown, html } = shapeForChannel(ANSWER, 'plain');
      expect(text).toContain(
        'Go to your orders (https://shop.example.com/orders) and pick Return.',
      );
      expect(text).toContain(
        '- Label: printed at home\n- Drop-off: any post office, see https://shop.example.com/post',
      );
      expect(text).not.toMatch(/\*\*|<script>|\]\(/);
      expect(markdown).toBeUndefined();
      expect(html).toBeUndefined();
    });
  });

  describe('when the channel shows markdown', () => {
    it('sends the markdown as written', () => {
      expect(shapeForChannel(ANSWER, 'markdown')).toEqual({ text: ANSWER, markdown: ANSWER });
    });
  });

  describe('when the channel shows HTML', () => {
    it('renders it and strips scripts and javascript: links', () => {
      const { html, text } = shapeForChannel(ANSWER, 'html');
      expect(html).toContain(
        '<a href="https://shop.example.com/orders" rel="noopener noreferrer">your orders</a>',
      );
      expect(html).toContain('<strong>Return</strong>');
      expect(html).toContain('<li>Label: printed at home</li>');
      expect(html).not.toMatch(/<script|javascript:/);
      expect(text).toContain('your orders (https://shop.example.com/orders)');
    });
  });
});
