/** AvgPool2d → nn.AvgPool2d (see pool.ts). */

import { pool } from './pool';

export const avgPool2d = pool('nn.AvgPool2d');
