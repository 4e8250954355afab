/**
 * A small shop FAQ in English and Chinese, the size of a knowledge base: a handful of intents
 * with a few question variants each, plus out-of-scope examples.
 */
import type { LabeledUtterance } from '../../intents/index.ts';

function label(intent: string, texts: string[]): LabeledUtterance[] {
  return texts.map((text) => ({ text, intent }));
}

export const EN_TRAIN: LabeledUtterance[] = [
  ...label('track-order', [
    'where is my order',
    'track my package',
    'has my parcel shipped yet',
    'when will my order arrive',
    'what is the status of my delivery',
    'my order has not arrived',
    'can I get the tracking number for my shipment',
  ]),
  ...label('refund', [
    'I want a refund',
    'how do I get my money back',
    'refund my purchase please',
    'can I return this item for a refund',
    'when will I receive my refund',
    'I was charged but want to be reimbursed',
    'request a refund for a damaged product',
  ]),
  ...label('change-address', [
    'change my delivery address',
    'I moved, update my shipping address',
    'can I send the order to a different address',
    'wrong address on my order',
    'edit the address for delivery',
    'update where my package is delivered',
  ]),
  ...label('opening-hours', [
    'what are your opening hours',
    'when are you open',
    'is the shop open on sunday',
    'what time do you close today',
    'business hours please',
    'are you open on public holidays',
  ]),
];

export const EN_OUT_OF_SCOPE: string[] = [
  "what's the weather like tomorrow",
  'tell me a joke',
  'who won the football match last night',
  'what is the capital of australia',
  'how do I bake sourdough bread',
  'solve this equation for x',
  'recommend a good movie',
  'how tall is mount everest',
  'write me a poem about the sea',
  'what is the meaning of life',
  'translate hello into japanese',
  'how do I fix a python import error',
];

export const ZH_TRAIN: LabeledUtterance[] = [
  ...label('track-order', [
    '我的订单在哪里',
    '查一下我的快递',
    '我的包裹发货了吗',
    '订单什么时候到',
    '物流信息怎么查',
    '快递单号是多少',
  ]),
  ...label('refund', [
    '我要退款',
    '怎么申请退款',
    '退款什么时候到账',
    '商品坏了可以退钱吗',
    '请把钱退给我',
    '退货退款流程',
  ]),
  ...label('change-address', [
    '修改收货地址',
    '我搬家了，想改地址',
    '地址填错了怎么办',
    '能不能换个地址送货',
    '更改配送地址',
  ]),
];

export const ZH_OUT_OF_SCOPE: string[] = [
  '今天天气怎么样',
  '给我讲个笑话',
  '昨晚的足球比赛谁赢了',
  '澳大利亚的首都是哪里',
  '怎么做红烧肉',
  '推荐一部好看的电影',
  '珠穆朗玛峰有多高',
  '帮我写一首诗',
];
