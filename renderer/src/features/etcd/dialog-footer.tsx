import { Flex } from 'antd';
import type { ReactNode } from 'react';

/** The buttons row of a dialog whose body holds its own state (the body unmounts when the dialog closes). */
export function DialogFooter({ children }: { children: ReactNode }) {
  return (
    <Flex gap={8} justify="flex-end" wrap className="drover-etcd-dialog-footer">
      {children}
    </Flex>
  );
}
