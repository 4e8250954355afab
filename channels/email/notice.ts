import { SwitchboardError } from '../../src/domain/errors.ts';
import type { SendResult } from '../../src/domain/message.ts';
import type { Notice } from '../../src/domain/ports.ts';
import { DEFAULT_MAILBOX } from './keys.ts';
import { emailDeliveryError, outboundMessageId, type SendingMailbox } from './send.ts';

/**
 * Sends one of the gateway's own notices (an address confirmation) from the `default` (EMAIL_*)
 * mailbox: plain text, marked as automatic (`Auto-Submitted: auto-generated`, RFC 3834) so
 * vacation responders stay quiet, with a Message-ID made from the notice's key.
 */
export async function sendNotice(
  mailboxes: ReadonlyMap<string, SendingMailbox>,
  notice: Notice,
): Promise<SendResult> {
  const to = notice.to.value;
  if (notice.to.kind !== 'email')
    throw new SwitchboardError('SB_ERR_DELIVERY_REJECTED', `not an email address: ${to}`);
  const mailbox = mailboxes.get(DEFAULT_MAILBOX);
  if (!mailbox) throw new Error('the EMAIL_* mailbox is missing from the configuration');
  const { config, transport } = mailbox;
  const messageId = outboundMessageId(`notice.${notice.key}`, config);
  try {
    await transport.sendMail({
      from: { name: config.EMAIL_FROM_NAME, address: config.EMAIL_ADDRESS },
      to,
      subject: notice.subject,
      messageId: `<${messageId}>`,
      text: notice.text,
      headers: { 'Auto-Submitted': 'auto-generated', 'X-Auto-Response-Suppress': 'All' },
    });
  } catch (error) {
    throw emailDeliveryError(error, to);
  }
  return { providerMessageId: messageId };
}
