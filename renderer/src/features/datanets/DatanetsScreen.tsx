import { useRoute } from '../../store/route';
import { DatanetDetail } from './DatanetDetail';
import { DatanetList } from './DatanetList';

export function DatanetsScreen() {
  const datanetId = useRoute((s) => s.route.datanetId);
  return datanetId ? <DatanetDetail key={datanetId} datanetId={datanetId} /> : <DatanetList />;
}
