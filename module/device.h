/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _EVL_DEVICE_H
#define _EVL_DEVICE_H

int evl_device_init(void);
void evl_device_exit(void);

#endif /* _EVL_DEVICE_H */
