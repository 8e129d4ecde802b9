/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef __ENPU_DEBUGFS_H__
#define __ENPU_DEBUGFS_H__

struct enpu_device;

#if IS_ENABLED(CONFIG_DEBUG_FS)
void enpu_debugfs_init(struct enpu_device *edev);
#else
static inline void enpu_debugfs_init(struct enpu_device *edev) { }
#endif

#endif /* __ENPU_DEBUGFS_H__ */
