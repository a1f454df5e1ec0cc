/** MaxPool2d → nn.MaxPool2d (see pool.ts). */

import { pool } from './pool';

export const maxPool2d = pool('nn.MaxPool2d');
